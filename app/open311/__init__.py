"""Open311 GeoReport v2 under ``/open311/v2/``: Aduan's categories as services, its complaints as
service requests (the public view), and ``POST requests`` as the JAKI channel's intake, so that
any GeoReport client can file and follow Jakarta complaints with no code of its own."""
