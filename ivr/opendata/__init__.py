"""Open data, live: the embedded endpoint's requests as an event stream, an Atom feed and a map.

Everything here publishes only what the GeoReport v2 GET side publishes
(:func:`ivr.open311.render.requests_document`): never a submitter's contact fields, and
descriptions as :func:`ivr.open311.public_text.public_description` leaves them.
"""
