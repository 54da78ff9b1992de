"""The README's curl examples in its Connectors and Processes sections upload files that are in
the repository (they used to name a movies.json nobody had)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_readme_curl_examples_upload_files_of_the_repository():
    readme = (ROOT / "README.md").read_text()
    uploads = []
    for title in ("Connectors", "Processes"):
        uploads += re.findall(
            r"@([\w./-]+)",
            "\n".join(
                line
                for line in _section(readme, title).splitlines()
                if "curl" in line or line.startswith("     ")
            ),
        )
    files = [name for name in uploads if not name.startswith("sha256")]
    assert files, "the sections show uploads"
    missing = [name for name in files if not (ROOT / name).is_file()]
    assert missing == []
