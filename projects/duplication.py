"""Duplicating a model within its project (the workspace tree's "duplicate"): the same content
under a new name, through services.model_create. A process copy gets new process ids (they
must be unique in the project) and its extensions follow them. Must not import views or the API.
"""

from __future__ import annotations

import re

from processes import bpmn
from projects import services
from projects.model_types import model_type
from projects.models import Model


def model_duplicate(*, actor, model: Model, name: str) -> Model:
    mtype = model_type(model.type)
    content = bytes(model.content)
    extensions = model.extensions
    if mtype.rename_content is not None:
        content = mtype.rename_content(content, name)
    if model.type == "PROCESS":
        renamed = {}
        for process in bpmn.read_bpmn(content).processes:
            new_id = bpmn.new_process_id()
            renamed[process.id] = new_id
            quoted = re.compile(rb"""(["'])""" + re.escape(process.id.encode()) + rb"""(["'])""")
            content = quoted.sub(lambda m, new=new_id: m.group(1) + new.encode() + m.group(2), content)
        extensions = {renamed.get(key, key): value for key, value in (extensions or {}).items()}
    copy, _ = services.model_create(
        actor=actor,
        project=model.project,
        type_name=model.type,
        name=name,
        description=model.description,
        content=content,
        extensions=extensions,
    )
    return copy
