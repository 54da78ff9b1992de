"""Create (or reset) the demo modeler account, an admin account and a demo project, and print them."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from modeler.roles import APS_DEVOPS, APS_MODELER
from projects import services
from projects.models import Project

DEMO_USERNAME = "modeler"
DEMO_PASSWORD = "modeler-demo"  # noqa: S105 - printed on purpose: a local demo account
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin-demo"  # noqa: S105
DEMO_CONNECTOR = {
    "id": "connector-6f1c2d3e-0000-4000-8000-000000000001",
    "name": "movies",
    "description": "Movie lookups",
    "actions": {
        "6f1c2d3e-0000-4000-8000-000000000002": {
            "id": "6f1c2d3e-0000-4000-8000-000000000002",
            "name": "getMovieDesc",
            "description": "Fetch a movie's description",
            "inputs": [
                {
                    "id": "6f1c2d3e-0000-4000-8000-000000000003",
                    "name": "movieName",
                    "type": "string",
                    "required": True,
                }
            ],
            "outputs": [
                {"id": "6f1c2d3e-0000-4000-8000-000000000004", "name": "movieDescription", "type": "string"}
            ],
        }
    },
    "config": [
        {"name": "MOVIES_API_KEY", "description": "API key", "value": "", "required": True, "secure": True}
    ],
}


# The demo process: start → "Look up the movie" (movies.getMovieDesc) → end. Its variables have
# the action's parameter names, so the save maps them automatically; it can be run (Run panel)
# as soon as the server starts: the embedded worker serves the movies connector on memory://.
DEMO_PROCESS_ID = "Process_rankMovie"
DEMO_PROCESS = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="model-6f1c2d3e-0000-4000-8000-000000000010" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn2:process id="{DEMO_PROCESS_ID}" name="rank-movie" isExecutable="true">
    <bpmn2:documentation>Looks up a movie's description with the movies connector.</bpmn2:documentation>
    <bpmn2:startEvent id="Event_start" name="Movie named">
      <bpmn2:outgoing>Flow_toLookUp</bpmn2:outgoing>
    </bpmn2:startEvent>
    <bpmn2:serviceTask id="Task_lookUp" name="Look up the movie" implementation="movies.getMovieDesc">
      <bpmn2:incoming>Flow_toLookUp</bpmn2:incoming>
      <bpmn2:outgoing>Flow_toEnd</bpmn2:outgoing>
    </bpmn2:serviceTask>
    <bpmn2:endEvent id="Event_end" name="Description found">
      <bpmn2:incoming>Flow_toEnd</bpmn2:incoming>
    </bpmn2:endEvent>
    <bpmn2:sequenceFlow id="Flow_toLookUp" sourceRef="Event_start" targetRef="Task_lookUp" />
    <bpmn2:sequenceFlow id="Flow_toEnd" sourceRef="Task_lookUp" targetRef="Event_end" />
  </bpmn2:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="{DEMO_PROCESS_ID}">
      <bpmndi:BPMNShape id="Event_start_di" bpmnElement="Event_start">
        <dc:Bounds x="152" y="162" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Task_lookUp_di" bpmnElement="Task_lookUp">
        <dc:Bounds x="250" y="140" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Event_end_di" bpmnElement="Event_end">
        <dc:Bounds x="412" y="162" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_toLookUp_di" bpmnElement="Flow_toLookUp">
        <di:waypoint x="188" y="180" />
        <di:waypoint x="250" y="180" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_toEnd_di" bpmnElement="Flow_toEnd">
        <di:waypoint x="350" y="180" />
        <di:waypoint x="412" y="180" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn2:definitions>
"""
DEMO_VARIABLES = {
    "6f1c2d3e-0000-4000-8000-000000000011": {
        "id": "6f1c2d3e-0000-4000-8000-000000000011",
        "name": "movieName",
        "type": "string",
        "required": True,
        "value": "",
    },
    "6f1c2d3e-0000-4000-8000-000000000012": {
        "id": "6f1c2d3e-0000-4000-8000-000000000012",
        "name": "movieDescription",
        "type": "string",
        "required": False,
        "value": "",
    },
}


class Command(BaseCommand):
    help = "Create the demo modeler account and demo project (development only)."

    def handle(self, *args, **options):
        user_model = get_user_model()
        with transaction.atomic():
            modeler, _ = user_model.objects.get_or_create(username=DEMO_USERNAME)
            modeler.set_password(DEMO_PASSWORD)
            modeler.save()
            modeler.groups.add(Group.objects.get_or_create(name=APS_MODELER)[0])
            admin, _ = user_model.objects.get_or_create(username=ADMIN_USERNAME)
            admin.is_staff = admin.is_superuser = True
            admin.set_password(ADMIN_PASSWORD)
            admin.save()
            admin.groups.add(Group.objects.get_or_create(name=APS_DEVOPS)[0])
            if not Project.objects.filter(owner=modeler, name="demo-movies").exists():
                project = services.project_create(
                    actor=modeler,
                    name="demo-movies",
                    description="Demo project: a movies connector and a process",
                )
                services.model_create(
                    actor=modeler,
                    project=project,
                    type_name="CONNECTOR",
                    name="movies",
                    content=json.dumps(DEMO_CONNECTOR, indent=2).encode(),
                )
                services.model_create(
                    actor=modeler,
                    project=project,
                    type_name="PROCESS",
                    name="rank-movie",
                    description="Looks up a movie's description: open it and press Run",
                    content=DEMO_PROCESS.encode(),
                    extensions={
                        DEMO_PROCESS_ID: {"properties": DEMO_VARIABLES, "mappings": {}, "constants": {}}
                    },
                )
        self.stdout.write(
            self.style.SUCCESS(
                "\n  Demo modeler account:  username 'modeler'  password 'modeler-demo'\n"
                "  Admin account:         username 'admin'    password 'admin-demo'  (/admin/)\n"
            )
        )
