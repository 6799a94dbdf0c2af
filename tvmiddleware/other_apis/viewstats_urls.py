from . import views  # noqa: F401 - registers the methods
from .api import viewstats

urlpatterns = viewstats.urlpatterns()
