"""Request and response shapes of the routing API: moved to app.geo.schemas,
app.classification.schemas, app.org.schemas, app.assignment.schemas and app.sla.schemas."""
