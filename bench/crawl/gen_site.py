#!/usr/bin/env python3
"""bench/crawl/gen_site.py: a deterministic static site for the crawl benchmark.

gen_site.py DIR [--pages 20000] [--seed 1]

Writes DIR/index.html (page 0) and DIR/p/<n>.html for n in 1..pages-1, plus DIR/urls.txt
(every page URL path, for wrk). Pages are 8-20 KB of realistic HTML with 20-60 links each: most
links go to pages a little ahead of or behind the current one (so depth matters: a depth-4 crawl
from the root reaches about half the site), a few go anywhere, and some are duplicates spelled
differently, fragments, mailto:, javascript: and an external host (never fetched). Every page
is reachable from the root. Same seed, same bytes."""
import argparse
import os
import random

WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt "
         "ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco "
         "laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate "
         "velit esse cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident "
         "sunt culpa qui officia deserunt mollit anim id est laborum").split()


def path_of(n):
    return "/" if n == 0 else f"/p/{n}.html"


def href_of(rnd, src, dst):
    """A link from page src to page dst, spelled one of several equivalent ways."""
    p = path_of(dst)
    r = rnd.random()
    if dst == 0:
        return "/" if r < 0.5 else "../index.html" if src else "index.html"
    if r < 0.55:
        return f"{dst}.html" if src else f"p/{dst}.html"        # relative
    if r < 0.85:
        return p                                                 # absolute path
    if r < 0.93:
        return p + f"#s{rnd.randrange(9)}"                      # fragment: same page
    return f"./{dst}.html" if src else f"./p/{dst}.html"        # dot segment


def sentence(rnd, n):
    return " ".join(rnd.choice(WORDS) for _ in range(n)).capitalize() + "."


def page(rnd, n, pages):
    nlinks = rnd.randint(20, 60)
    targets = []
    if n + 1 < pages:
        targets.append(n + 1)                                    # a chain: all reachable
    while len(targets) < nlinks:
        if rnd.random() < 0.995:
            t = n + rnd.randint(-300, 700)
        else:
            t = rnd.randrange(pages)
        if 0 <= t < pages and t != n:
            targets.append(t)
    links = [f'<a href="{href_of(rnd, n, t)}">{sentence(rnd, 3)[:-1]}</a>' for t in targets]
    links.append('<a href="mailto:info@example.com">Mail us</a>')
    links.append('<a href="javascript:void(0)">Menu</a>')
    links.append('<a href="https://partner.example.org/">Partner</a>')
    body, size, target = [], 0, rnd.randint(8000, 20000)
    li = 0
    while size < target:
        para = sentence(rnd, rnd.randint(20, 60))
        if li < len(links):
            k = rnd.randint(1, 4)
            para += " " + " ".join(links[li:li + k])
            li += k
        chunk = f"<p>{para}</p>\n"
        body.append(chunk)
        size += len(chunk)
    rest = "".join(f"<li>{l}</li>" for l in links[li:])
    title = f"Page {n}: {sentence(rnd, 4)[:-1]}"
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width\"></head>\n<body>\n"
            f"<header><nav><a href=\"/\">Home</a></nav><h1>{title}</h1></header>\n<main>\n"
            + "".join(body) + f"<ul>{rest}</ul>\n</main>\n<footer>&copy; 2026 bench</footer>\n"
            f"</body></html>\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--pages", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(os.path.join(a.dir, "p"), exist_ok=True)
    with open(os.path.join(a.dir, "urls.txt"), "w") as urls:
        for n in range(a.pages):
            html = page(rnd, n, a.pages)
            name = "index.html" if n == 0 else os.path.join("p", f"{n}.html")
            with open(os.path.join(a.dir, name), "w") as f:
                f.write(html)
            urls.write(path_of(n) + "\n")
    with open(os.path.join(a.dir, "style.css"), "w") as f:
        f.write("body{font-family:sans-serif}\n")


if __name__ == "__main__":
    main()
