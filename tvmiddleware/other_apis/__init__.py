"""The device-facing APIs beside the TVMW API: ViewStats (`/viewstats/api/`), Device
Monitoring (`/device_monitoring/api/`) and DRM (`/drm/api/`). Wire only: the registries
(`api.py`), the methods (`views.py`) and one URL module per API; the recording, the reports
and the provisioning are monitoring's services and selectors."""
