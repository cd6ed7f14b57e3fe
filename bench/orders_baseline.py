#!/usr/bin/env python3
"""bench/orders_baseline.py: the order processor written the usual way with asyncio.

Standard library only. The same-run baseline for `trawl orders`: it reads a JSONL batch, hands
each line through an asyncio.Queue(maxsize=100) to 8 worker tasks, which parse it with
json.loads, validate it with the rules of app/orders/order.h (required fields and their types, a
positive integer qty, a decimal unit_price with at most the currency's decimals, known
currencies, RFC 3339 created_at, no duplicate ids), price it with decimal.Decimal (tax rounded
half to even on the minor unit) and write a result or a reject as one JSONL line. Prints
orders/s at the end.

    python3 bench/orders_baseline.py ORDERS.jsonl [--results R.jsonl] [--rejects X.jsonl]
                                     [--workers 8] [--queue 100] [--tax-rate 19]

It is meant to be a fair, idiomatic program, not a slow one: one json.loads per line, Decimal
built from strings, the reader and the workers in one event loop with bounded back-pressure,
output written through buffered files."""
import argparse
import asyncio
import decimal
import json
import re
import sys
import time
from datetime import datetime
from decimal import Decimal

# ISO 4217 minor units for the currencies the generator uses and a few more; the C side knows
# the whole list (app/orders/money.c).
DECIMALS = {
    "EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2,
    "CAD": 2, "AUD": 2, "NZD": 2, "CNY": 2, "HKD": 2, "SGD": 2, "INR": 2, "BRL": 2, "MXN": 2,
    "ZAR": 2, "TRY": 2, "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "UGX": 0, "XAF": 0,
    "XOF": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "IQD": 3, "LYD": 3,
}
PRIORITIES = ("express", "standard", "bulk")
CURRENCY = re.compile(r"[A-Z]{3}\Z")
AMOUNT = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?\Z")
RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                     r"([Zz]|[+-]\d{2}:\d{2})\Z")
MAX_ITEMS = 1000
MAX_QTY = 1_000_000_000


class Reject(Exception):
    def __init__(self, path, msg):
        super().__init__(f"{path}: {msg}" if path else msg)


def need_text(order, key, path):
    if key not in order:
        raise Reject(path, "missing")
    v = order[key]
    if not isinstance(v, str):
        raise Reject(path, "must be a string")
    if not v:
        raise Reject(path, "must not be empty")
    if any(ord(c) < 0x20 or c == "\x7f" for c in v):
        raise Reject(path, "must not contain control characters")
    return v


def check_created_at(v):
    if not isinstance(v, str):
        raise Reject("created_at", "must be a string")
    m = RFC3339.match(v)
    if not m:
        raise Reject("created_at", "must be an RFC 3339 date-time like 2026-11-21T10:00:00Z")
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    try:
        datetime(y or 1, mo, d)
    except ValueError:
        raise Reject("created_at", "has an invalid date") from None
    if h > 23 or mi > 59 or s > 59:   # leap seconds are rare enough to leave out here
        raise Reject("created_at", "has an invalid time")


def parse_price(v, currency, decimals, path):
    if isinstance(v, bool) or not isinstance(v, (str, Decimal, int)):
        raise Reject(path, "must be a decimal amount like 12.50")
    text = v if isinstance(v, str) else str(v)
    if not AMOUNT.match(text):
        raise Reject(path, "must be a decimal amount like 12.50")
    price = Decimal(text)
    if -price.as_tuple().exponent > decimals:
        raise Reject(path, f"has more than {decimals} decimals for {currency}")
    if price < 0:
        raise Reject(path, "must not be negative")
    return price


def validate(order):
    """The order's fields, checked in the order of app/orders/order.h, or Reject."""
    if not isinstance(order, dict):
        raise Reject("", "a line must hold one JSON object")
    oid = need_text(order, "id", "id")
    if len(oid.encode()) > 128:
        raise Reject("id", "must be at most 128 bytes")
    customer = need_text(order, "customer", "customer")
    priority = order.get("priority", "standard")
    if priority not in PRIORITIES:
        raise Reject("priority", "must be one of express, standard, bulk")
    if "currency" not in order:
        raise Reject("currency", "missing")
    currency = order["currency"]
    if not isinstance(currency, str):
        raise Reject("currency", "must be a string")
    if not CURRENCY.match(currency):
        raise Reject("currency", "must be 3 uppercase letters")
    if currency not in DECIMALS:
        raise Reject("currency", f"unknown currency '{currency}'")
    decimals = DECIMALS[currency]
    if "created_at" not in order:
        raise Reject("created_at", "missing")
    check_created_at(order["created_at"])
    items = order.get("items")
    if items is None:
        raise Reject("items", "missing")
    if not isinstance(items, list):
        raise Reject("items", "must be an array")
    if not items:
        raise Reject("items", "must not be empty")
    if len(items) > MAX_ITEMS:
        raise Reject("items", f"too many items (at most {MAX_ITEMS})")
    lines = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise Reject(f"items[{n}]", "must be an object")
        sku = need_text(item, "sku", f"items[{n}].sku")
        if "qty" not in item:
            raise Reject(f"items[{n}].qty", "missing")
        qty = item["qty"]
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            raise Reject(f"items[{n}].qty", "must be a positive integer")
        if qty > MAX_QTY:
            raise Reject(f"items[{n}].qty", f"must be at most {MAX_QTY}")
        if "unit_price" not in item:
            raise Reject(f"items[{n}].unit_price", "missing")
        price = parse_price(item["unit_price"], currency, decimals, f"items[{n}].unit_price")
        lines.append((sku, qty, price))
    return oid, customer, priority, currency, decimals, lines


def price_order(lines, decimals, rate):
    quantum = Decimal(1).scaleb(-decimals)
    subtotal = sum((price * qty for _, qty, price in lines), Decimal(0))
    tax = (subtotal * rate / 100).quantize(quantum, rounding=decimal.ROUND_HALF_EVEN)
    return subtotal.quantize(quantum), tax, (subtotal + tax).quantize(quantum)


class OrderProcessor:
    def __init__(self, rate, workers, maxsize, results, rejects):
        self.rate = rate
        self.workers = workers
        self.queue = asyncio.Queue(maxsize)
        self.results = results
        self.rejects = rejects
        self.seen = set()
        self.ok = 0
        self.bad = 0

    def reject(self, lineno, reason):
        self.bad += 1
        self.rejects.write(json.dumps({"line": lineno, "reason": reason}) + "\n")

    def process(self, lineno, line):
        if not line.strip():
            self.reject(lineno, "empty line")
            return
        try:
            order = json.loads(line, parse_float=Decimal)
        except ValueError as e:
            self.reject(lineno, f"invalid JSON: {e}")
            return
        try:
            oid, customer, priority, currency, decimals, lines = validate(order)
        except Reject as e:
            self.reject(lineno, str(e))
            return
        if oid in self.seen:
            self.reject(lineno, "id: duplicate id")
            return
        self.seen.add(oid)
        subtotal, tax, total = price_order(lines, decimals, self.rate)
        self.ok += 1
        self.results.write(json.dumps({
            "line": lineno, "id": oid, "customer": customer, "priority": priority,
            "currency": currency, "items": len(lines), "subtotal": str(subtotal),
            "tax": str(tax), "total": str(total)}) + "\n")

    async def worker(self):
        while True:
            job = await self.queue.get()
            try:
                if job is None:
                    return
                self.process(*job)
            finally:
                self.queue.task_done()

    async def run(self, path):
        tasks = [asyncio.create_task(self.worker()) for _ in range(self.workers)]
        with open(path, encoding="utf-8", errors="surrogateescape", newline="\n") as f:
            for lineno, line in enumerate(f, 1):
                await self.queue.put((lineno, line.rstrip("\r\n")))
        for _ in tasks:
            await self.queue.put(None)
        await asyncio.gather(*tasks)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("orders")
    ap.add_argument("--results", default="/dev/null")
    ap.add_argument("--rejects", default="/dev/null")
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--queue", type=int, default=100)
    ap.add_argument("--tax-rate", default="19")
    args = ap.parse_args()
    rate = Decimal(args.tax_rate)
    with open(args.results, "w", encoding="utf-8") as results, \
            open(args.rejects, "w", encoding="utf-8") as rejects:
        p = OrderProcessor(rate, args.workers, args.queue, results, rejects)
        t0 = time.perf_counter()
        asyncio.run(p.run(args.orders))
        elapsed = time.perf_counter() - t0
    n = p.ok + p.bad
    print(f"orders\t{n}\nresults\t{p.ok}\nrejects\t{p.bad}\nseconds\t{elapsed:.3f}\n"
          f"orders/s\t{n / elapsed:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
