#!/usr/bin/env python3
"""Every document the tree points to is in the tree.

- A relative Markdown link (`[text](path#anchor)`) in a .md file names a file that exists, and
  its anchor a heading of that file (GitHub's slugs).
- Comments and docs name documents that exist: `docs/<name>.md`, a root document such as
  `README.md` or `CONTRIBUTING.md`, or a path under one of the repository's folders; never an
  absolute path to a document on some machine. Paths of other projects (`docs/sources/reference/loki-http-api.md` in grafana/loki) are deeper than
  `docs/<name>.md` and are not judged.

usage: links_test.py REPOSITORY_ROOT
"""
import os
import re
import sys

SKIPPED_DIRS = {".git", "node_modules"}
TEXT_SUFFIXES = (".md", ".hpp", ".cpp", ".h", ".sh", ".py", ".txt", ".cmake", ".service", ".8", ".json", ".in")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
DOCUMENT_NAME = re.compile(r"(?<![\w./-])((?:[\w-]+/)*[\w.-]*[A-Za-z]\.md)\b")
ABSOLUTE_DOCUMENT = re.compile(r"(?<![\w.-])(/(?:[\w.-]+/)+[\w.-]+\.md)\b")


def tracked_files(root):
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("build") and not d.startswith("_build")]
        for name in files:
            if name.endswith(TEXT_SUFFIXES) or name == "CMakeLists.txt":
                yield os.path.join(directory, name)


def slug(heading):
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors_of(path):
    result = set()
    in_code = False
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("```"):
                in_code = not in_code
            elif not in_code and line.startswith("#"):
                result.add(slug(line.lstrip("#")))
    return result


def check_markdown_links(root, path, text, problems):
    for line_number, line in enumerate(text.splitlines(), 1):
        for target in MARKDOWN_LINK.findall(line):
            if re.match(r"^[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            resolved = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
            where = f"{os.path.relpath(path, root)}:{line_number}"
            if not os.path.exists(resolved):
                problems.append(f"{where}: link to {target}: no such file")
            elif anchor and resolved.endswith(".md") and anchor not in anchors_of(resolved):
                problems.append(f"{where}: link to {target}: no heading with that anchor")


def check_document_names(root, path, text, problems):
    top_folders = {name for name in os.listdir(root) if os.path.isdir(os.path.join(root, name))}
    for line_number, line in enumerate(text.splitlines(), 1):
        for name in DOCUMENT_NAME.findall(line):
            parts = name.split("/")
            if len(parts) == 1:
                judged = name[0].isupper()  # README.md, CONTRIBUTING.md; not a file name like foo-bar.md
            elif parts[0] == "docs":
                judged = len(parts) == 2
            else:
                judged = parts[0] in top_folders or parts[0] == "reference"
            if not judged:
                continue
            candidates = [os.path.join(root, name), os.path.join(os.path.dirname(path), name)]
            if not any(os.path.exists(candidate) for candidate in candidates):
                problems.append(f"{os.path.relpath(path, root)}:{line_number}: names {name}, which is not in the repository")
        for name in ABSOLUTE_DOCUMENT.findall(line):
            problems.append(f"{os.path.relpath(path, root)}:{line_number}: names {name}, a document outside the repository")


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    problems = []
    checked = 0
    for path in tracked_files(root):
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except UnicodeDecodeError:
            continue
        checked += 1
        if path.endswith(".md"):
            check_markdown_links(root, path, text, problems)
        check_document_names(root, path, text, problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} pointers to documents that are not in the repository", file=sys.stderr)
        return 1
    print(f"every document named in {checked} files is in the repository")
    return 0


if __name__ == "__main__":
    sys.exit(main())
