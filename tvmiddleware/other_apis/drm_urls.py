from . import views  # noqa: F401 - registers the methods
from .api import drm

urlpatterns = drm.urlpatterns()
