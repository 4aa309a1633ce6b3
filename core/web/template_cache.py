"""Compiled templates kept in the instance folder, for the next process.

Jinja compiles a template to Python code the first time a process renders
it: the home page's five templates cost its first request some 40 ms of
CPU, again in every gunicorn worker and after every restart. Jinja's
bytecode cache keeps the compiled code in ``<instance>/cache/templates``;
the next process loads it instead of compiling (the first process to
render a page writes it: ``pamong demo`` and a server's first visitors).

A template is compiled again when its source changed (the cache compares
the source's checksum) or when the environment compiles differently: the
file names carry a key made of Jinja's version, the extensions and how
each filter and test is called. A cache that cannot be written (a
read-only instance folder) only means compiling as before.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import jinja2
from flask import Flask
from jinja2 import Environment, FileSystemBytecodeCache
from jinja2.bccache import Bucket

#: Where, under the instance folder.
CACHE_FOLDER = Path("cache", "templates")


class _TemplateCache(FileSystemBytecodeCache):
    """Jinja's file cache, never failing a page: a file it cannot read or
    write is a template compiled in memory."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)  # made by the first page compiled
            super().dump_bytecode(bucket)
        except OSError:
            pass


def environment_key(env: Environment) -> str:
    """What, besides a template's source, decides the code Jinja compiles."""
    parts = [
        jinja2.__version__,
        *sorted(env.extensions),
        *(
            repr(getattr(env, option))
            for option in (
                "block_start_string",
                "block_end_string",
                "variable_start_string",
                "variable_end_string",
                "comment_start_string",
                "comment_end_string",
                "line_statement_prefix",
                "line_comment_prefix",
                "trim_blocks",
                "lstrip_blocks",
                "newline_sequence",
                "keep_trailing_newline",
                "optimized",
                "is_async",
            )
        ),
    ]
    # Whether a filter or test takes the context, the eval context or the
    # environment is decided at compile time (Jinja's ``pass_context``...).
    for kind, table in (("filter", env.filters), ("test", env.tests)):
        parts.extend(
            f"{kind} {name} {getattr(table[name], 'jinja_pass_arg', '')}" for name in sorted(table)
        )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def install_template_cache(app: Flask) -> None:
    """Keep the app's compiled templates in ``<instance>/cache/templates``.

    Called once every filter is registered (the key names them). The folder
    is made when the first template is compiled: a command that renders no
    page leaves the instance folder as it was.
    """
    app.jinja_env.bytecode_cache = _TemplateCache(
        str(Path(app.instance_path) / CACHE_FOLDER),
        pattern=f"{environment_key(app.jinja_env)}-%s.cache",
    )
