"""Jobs: work a call step hands off (transcription, questions to the city), run by workers."""
