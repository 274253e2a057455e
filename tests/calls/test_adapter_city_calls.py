"""A whole simulated call filed with a city that answers as mySociety's open311-adapter does
(tests/support/adapter_city.py), set up with that city's profile: ``IVR_OPEN311_MULTIVALUE=
repeat`` and an API key. The menu and the questions come from the adapter's own service list."""

from __future__ import annotations

import re

from ivr.simulator import Press, Silence, Speak
from tests.calls.phone import running_gateway
from tests.support.adapter_city import AdapterCity
from tests.support.live_server import serve_wsgi

WHOLE_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")
DUMPED_BAGS_AND_FURNITURE = [
    Silence(),  # the welcome's language offer: stay in English
    Press("1"),  # illegal dumping
    Press("1"),  # bags of rubbish: yes
    Press("1"),  # furniture: yes
    Press("2"),  # a mattress: no
    Press("*"),  # how much: skipped
    Speak("four thirty eight washington street"),
    Press("1"),
    Speak("bags of rubbish and an old sofa"),
    Press("1"),
]


def test_a_call_with_two_answers_to_a_multivaluelist_is_accepted_by_the_adapter(
    own_store: str,
) -> None:
    city = AdapterCity()
    with (
        serve_wsgi(city) as city_url,
        running_gateway(
            own_store,
            open311_endpoint=city_url,
            open311_api_key="adapter-key",
            open311_multivalue="repeat",
            duplicate_radius_metres=100,  # the duplicate search goes to the adapter too
        ) as gateway,
    ):
        result = gateway.call(DUMPED_BAGS_AND_FURNITURE)

    heard = result.transcript.heard()
    assert "What has been dumped? Is it bags of rubbish? Press 1 for yes, 2 for no." in heard
    assert "Thank you. Your report has been received." in heard
    assert "Your reference number is 0." in heard  # the adapter's first id, said as it is
    (post,) = city.posts()
    assert post.form_values("attribute[items]") == ["bags", "furniture"]
    assert post.form_values("api_key") == ["adapter-key"]
    (filed,) = city.filed
    assert (filed.service_request_id, filed.attributes) == ("0", {"items": ["bags", "furniture"]})
    (search,) = city.searches()  # the duplicate check, answered (a refusal would be a 400)
    start = search.query_value("start_date")
    assert start is not None and WHOLE_SECONDS.fullmatch(start), start
