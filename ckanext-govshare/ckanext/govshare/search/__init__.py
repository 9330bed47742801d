"""Embedded PostgreSQL search engine that answers CKAN's Solr client."""
