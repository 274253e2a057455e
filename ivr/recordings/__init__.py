"""The recording path: a caller's recording downloaded from Twilio, transcribed, reported back."""
