"""The home: device registry, target resolution, state, and MQTT adapters."""
