"""Data products (数据产品): apps, reports, derived datasets, API services and
models built from the portal's data, registered with the sources they used
and the date each was obtained (schemas/data_product.yaml)."""
