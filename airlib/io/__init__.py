"""Input and output: everything that reads a file a user supplied or writes the store.

Layer 2 (imports the core and :mod:`airlib.standards`). Readers are kept apart from the
calculations, as pvlib's ``iotools``:

- :mod:`~airlib.io.schema` — the canonical hourly frame (columns, order, dtypes), shared by the
  readers and the store;
- :mod:`~airlib.io.ingest` — station-hour tables, UCI files and registries → canonical frames;
- :mod:`~airlib.io.store` — the partitioned, versioned Parquet store (one transaction per ingest);
- :mod:`~airlib.io.registry` — station and town registries, alias resolution;
- :mod:`~airlib.io.plans`, :mod:`~airlib.io.ledgers` — plans as data, monthly task ledgers;
- :mod:`~airlib.io.warning_rules` — 预警 and 约谈 rules of a district (one YAML file);
- :mod:`~airlib.io.micro_stations` — micro-station (小微站) hourly files, values kept as read;
- :mod:`~airlib.io.safe_yaml`, :mod:`~airlib.io.text_decoding` — the one YAML loader and the one
  text-decoding rule for user files.

Every reader raises :class:`airlib.errors.InputDataError` naming the file, row and column.
"""

__all__ = ["ingest", "store", "registry", "plans", "ledgers", "warning_rules", "safe_yaml", "text_decoding"]
