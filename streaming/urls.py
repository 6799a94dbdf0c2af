from . import views  # noqa: F401 - registers the methods
from .api import streaming_api

urlpatterns = streaming_api.urlpatterns()
