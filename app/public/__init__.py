"""What the public sees without a login: the map's GeoJSON, the areas' choropleth, statistics,
nearby open complaints, and citizens' support of a complaint. Nothing here carries personal data."""
