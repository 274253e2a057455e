"""What follows a report: its status by phone, a text message with its number, and "me too"
for a problem someone reported already."""
