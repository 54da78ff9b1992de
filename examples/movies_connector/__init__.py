"""The demo project's `movies` connector, written with the connector SDK.

Its definition (`movies.json`) is the demo project's connector (`manage.py seed_demo`):
`getMovieDesc` takes a `movieName` and answers a `movieDescription`. The descriptions come from a
small built-in catalogue, so the example needs no network; `MOVIES_API_KEY` is the connector
variable a real lookup would send (required and secure: it is never logged).

    MOVIES_API_KEY=any connector run --module movies_connector --broker amqp://guest:guest@localhost:5672//

Imports the SDK only, never Django or the modeling application.
"""

from __future__ import annotations

from pathlib import Path

from modeler_connector import CallContext, Connector

connector = Connector(Path(__file__).with_name("movies.json"))

CATALOGUE = {
    "alien": "Alien (1979): the crew of the Nostromo answers a distress call and meets the perfect organism.",
    "metropolis": "Metropolis (1927): in a city of towers, a worker and the son of its master meet.",
    "vertigo": "Vertigo (1958): a detective with a fear of heights follows a woman who seems possessed.",
}


@connector.action("getMovieDesc")
def get_movie_desc(inputs: dict, context: CallContext) -> dict:
    name = inputs["movieName"].strip()
    description = CATALOGUE.get(name.casefold())
    if description is None:
        description = f"{name}: no description in the catalogue yet."
    return {"movieDescription": description}
