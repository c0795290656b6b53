"""The web stack's own ceiling: a bare FastAPI endpoint doing one embedded-store insert,
served by uvicorn as the services are (no gate, no middleware, no broker).

    HTTP_PORT=8099 python -m benchmarks.bare_app
"""

from __future__ import annotations

import os
import uuid

import uvicorn
from fastapi import FastAPI

from shared.mongo import connect_database
from shared.settings import ServiceSettings

settings = ServiceSettings(service_name="bare", http_port=int(os.environ.get("HTTP_PORT", 8099)))
database = connect_database(settings)
app = FastAPI()


@app.post("/things", status_code=201)
async def create(body: dict) -> dict:
    document = {"_id": str(uuid.uuid4()), **body}
    await database["things"].insert_one(document)
    return {"id": document["_id"]}


@app.get("/readyz")
async def ready() -> dict:
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=settings.http_port, log_config=None, access_log=False)
