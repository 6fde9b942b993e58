"""Hearth inside Home Assistant's Assist, over the Wyoming protocol: speech-to-text, voice, understanding."""
