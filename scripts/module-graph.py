#!/usr/bin/env python3
"""The module graph of a crate's library, from its `use crate::` (and `super::`, `self::`, child)
paths: which module imports which, whether any of them import one another in a circle, and how
long the longest files are. Test modules (`#[cfg(test)]`) are left out: they may use what they
test from anywhere.

    python3 scripts/module-graph.py                 # the console: tui/src
    python3 scripts/module-graph.py tui/src --max-lines 600 --quiet

Exits 1 when the graph has a cycle or a file is longer than --max-lines; 0 otherwise. Standard
library only, so it runs wherever Python 3 does.
"""

import argparse
import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_code(text):
    """The text with comments, strings and character literals blanked, lines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    out.append("\n" if text[i] == "\n" else "")
                    i += 1
            continue
        raw = re.match(r'(b?r)(#*)"', text[i:])
        if raw and (i == 0 or not re.match(r"[A-Za-z0-9_]", text[i - 1])):
            closing = '"' + raw.group(2)
            end = text.find(closing, i + raw.end())
            end = n if end < 0 else end + len(closing)
            out.append('""' + "\n" * text.count("\n", i, end))
            i = end
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
            continue
        if c == "'":
            lit = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            if lit:
                out.append("' '")
                i += lit.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def drop_test_items(code):
    """The code without `#[cfg(test)]` items; and the names of test modules kept in files."""
    test_files = set(re.findall(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(" + IDENT + r")\s*;", code))
    code = re.sub(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+" + IDENT + r"\s*;", "", code)
    while True:
        m = re.search(r"#\[cfg\(test\)\]", code)
        if not m:
            return code, test_files
        brace = code.find("{", m.end())
        semi = code.find(";", m.end())
        if brace < 0 or (0 <= semi < brace):
            code = code[: m.start()] + code[semi + 1 :]
            continue
        depth, j = 0, brace
        while j < len(code):
            if code[j] == "{":
                depth += 1
            elif code[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        code = code[: m.start()] + code[j + 1 :]


def expand_use(tree):
    """`a::{b, c::{self, D}}` as the paths it names: a::b, a::c, a::c::D."""
    tree = re.sub(r"\s+", "", re.sub(r"\s+as\s+" + IDENT, "", tree))
    brace = tree.find("{")
    if brace < 0:
        return [tree]
    prefix, inner = tree[:brace], tree[brace + 1 : tree.rfind("}")]
    parts, depth, start = [], 0, 0
    for k, ch in enumerate(inner):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:k])
            start = k + 1
    parts.append(inner[start:])
    paths = []
    for part in filter(None, parts):
        for sub in expand_use(part):
            paths.append(prefix.rstrip(":") if sub == "self" else prefix + sub)
    return paths


def module_files(src):
    """Module path -> file, for every file of the library under `src`."""
    modules = {}
    for root, _, files in os.walk(src):
        for name in files:
            if not name.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(root, name), src)[:-3].split(os.sep)
            if rel == ["main"] or rel[0] == "bin":
                continue
            if rel[-1] in ("mod", "lib"):
                rel = rel[:-1]
            modules["::".join(["crate"] + rel)] = os.path.join(root, name)
    return modules


def resolve(path, here, children, modules):
    """The module a path points into, or None when it points outside the crate."""
    segs = path.split("::")
    if segs[0] == "crate":
        base = ["crate"]
        segs = segs[1:]
    elif segs[0] in ("super", "self"):
        base = here.split("::")
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                base = base[:-1]
            segs = segs[1:]
    elif segs[0] in children:
        base = here.split("::")
    else:
        return None
    target = "::".join(base)
    for seg in segs:
        longer = target + "::" + seg
        if longer not in modules:
            break
        target = longer
    return target


def graph(src):
    modules = module_files(src)
    tests = set()
    sources = {}
    for module, path in modules.items():
        with open(path, encoding="utf-8") as f:
            code, test_files = drop_test_items(strip_code(f.read()))
        sources[module] = code
        tests.update(module + "::" + t for t in test_files)
    # A test module's own children are tests too.
    live = {m for m in modules if not any(m == t or m.startswith(t + "::") for t in tests)}
    edges = {m: set() for m in live}
    for module in live:
        code = sources[module]
        children = {c.split("::")[-1] for c in live if c.rsplit("::", 1)[0] == module and c != module}
        paths = []
        for tree in re.findall(r"\buse\s+([^;]+);", code):
            paths += expand_use(tree)
        paths += re.findall(r"\b((?:crate|super|self)(?:::" + IDENT + r")+)", code)
        for path in paths:
            target = resolve(path, module, children, modules)
            if target and target != module and target in live:
                edges[module].add(target)
    return edges, {m: modules[m] for m in live}


def cycles(edges):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", nargs="?", default="tui/src")
    parser.add_argument("--max-lines", type=int, default=600)
    parser.add_argument("--quiet", action="store_true", help="only the verdict")
    args = parser.parse_args()
    edges, files = graph(args.src)
    short = lambda m: m[len("crate::") :] if m != "crate" else "crate"
    if not args.quiet:
        for module in sorted(edges):
            print(f"{short(module):28} -> {', '.join(sorted(short(t) for t in edges[module])) or '-'}")
        print()
    found = cycles(edges)
    for component in found:
        print("cycle:", " <-> ".join(short(m) for m in component))
    long = []
    for module, path in sorted(files.items()):
        with open(path, encoding="utf-8") as f:
            lines = sum(1 for _ in f)
        if lines > args.max_lines:
            long.append((path, lines))
    for path, lines in long:
        print(f"too long: {path} has {lines} lines (at most {args.max_lines})")
    count = sum(len(t) for t in edges.values())
    print(
        f"{len(edges)} modules, {count} imports between them, "
        f"{len(found)} cycles, {len(long)} files over {args.max_lines} lines"
    )
    return 1 if found or long else 0


if __name__ == "__main__":
    sys.exit(main())
