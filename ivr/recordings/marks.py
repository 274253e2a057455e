"""How a slot filled from a recording says where its words came from (``<slot>_source``)."""

AUTOMATIC = "automatic transcript"
NOTHING = "nothing recognised"
UNAVAILABLE = "recording unavailable"
UNREADABLE = "recording unreadable"
NO_MODEL = "not transcribed: no {language} model"
NOT_HERE = "not transcribed: speech is recognised by Twilio on this gateway"
UNSURE = "heard too unsurely to read back"
