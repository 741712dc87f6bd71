"""The public HTML pages: the map (``/``), one complaint (``/track/{ticket}``) and the dashboard
(``/stats``). In Indonesian, no login, no personal data; rendered on the server so that the text
reads without JavaScript, with the map and the charts drawn on top by vendored libraries served
from the service itself (``static/vendor``, no CDN)."""
