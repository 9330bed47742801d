"""The personal-data scanner: ID numbers, mobile numbers, bank cards and
e-mail addresses in the cells of an entry's CSV, XLSX and JSON files."""
