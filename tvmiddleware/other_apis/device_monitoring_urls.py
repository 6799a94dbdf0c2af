from . import views  # noqa: F401 - registers the methods
from .api import device_monitoring

urlpatterns = device_monitoring.urlpatterns()
