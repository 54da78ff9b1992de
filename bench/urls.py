"""The application's routes plus the floor endpoints benchmarks compare against, and the naive
save bench_load.py runs its control against."""

from django.urls import path

from bench import floors
from modeler.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("bench/floor/projects", floors.ProjectsFloor.as_view()),
    path("bench/floor/projects-libraries", floors.ProjectsLibraryFloor.as_view()),
    path("bench/naive/models/<uuid:model_id>/content", floors.NaiveContentSave.as_view()),
    *app_urlpatterns,
]
