"""Generate a realistic legacy AI-interview export of made-up people, deterministically.

Why: tests, benchmarks and the shipped example need exports that look like what Chinese HR systems
really produce — GBK-encoded CSV with hand-typed values in mixed forms, or an XLSX with Excel serial
dates — without ever touching a real person's data. Every ID number carries a valid GB 11643
checksum (computed here), so only the rows we break on purpose are invalid. The same seed always
gives the same file, byte for byte.

With ``faults`` on, seven rows are broken on purpose, each in one way (see :data:`FAULTS`); their
positions depend only on the row count (:func:`fault_rows`).

Usage::

    python -m hub.examples.generate_legacy_export --rows 60 --format csv --encoding gbk out.csv
    python -m hub.examples.generate_legacy_export --rows 1000000 --format jsonl --no-faults big.jsonl
    python -m hub.examples.generate_legacy_export --example hub/examples/legacy_ai_interview/

Example:
    >>> rows = list(generate_rows(60))
    >>> rows[0]["姓名"] != "" and id_checksum(rows[0]["身份证号"][:17]) == rows[0]["身份证号"][17]
    True
    >>> sorted(fault_rows(60).values())[:2]
    [9, 17]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "HEADERS",
    "FAULTS",
    "EXAMPLE_ROWS",
    "EXAMPLE_SEED",
    "id_checksum",
    "fault_rows",
    "generate_rows",
    "write_csv",
    "write_xlsx",
    "write_jsonl",
    "write_example",
    "main",
]

HEADERS = (
    "候选人编号", "姓名", "手机号", "邮箱", "身份证号", "应聘岗位", "部门", "面试时间",
    "总分", "沟通能力", "逻辑思维", "抗压能力", "专业知识", "面试官评语", "推荐意见", "状态",
)  # fmt: skip

#: Fault name -> (column it breaks, what is wrong), in the order they are planted.
FAULTS: dict[str, tuple[str, str]] = {
    "bad_id_checksum": ("身份证号", "the ID number's check digit is wrong"),
    "impossible_date": ("面试时间", "the interview date is 2024-02-30, which does not exist"),
    "score_out_of_range": ("总分", "the overall score is 120 on a 0–100 scale"),
    "invalid_phone": ("手机号", "the mobile number has 10 digits instead of 11"),
    "unknown_status": ("状态", "the status 面试取消 is not one the export documents"),
    "missing_required": ("姓名", "the candidate's name is empty"),
    "duplicate_person": ("身份证号", "the same person as the second data row, under another 候选人编号"),
}

EXAMPLE_ROWS = 60
EXAMPLE_SEED = 2024
EXAMPLE_NAME = "ai_interview_results"

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_AREAS = ("110105", "310104", "440305", "330106", "510107", "420111", "320102", "610113")
_SURNAMES = {
    "王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang", "黄": "huang",
    "赵": "zhao", "吴": "wu", "周": "zhou", "徐": "xu", "孙": "sun", "马": "ma", "朱": "zhu",
    "胡": "hu", "郭": "guo", "何": "he", "林": "lin", "高": "gao", "罗": "luo",
}  # fmt: skip
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚浩宇欣婷雪晨思雨子涵一鸣佳琪文博嘉怡梓萱"
_JOBS = (
    ("算法工程师", "技术部"), ("Java开发工程师", "技术部"), ("产品经理", "产品部"), ("销售代表", "销售部"),
    ("人力资源专员", "人力资源部"), ("数据分析师", "数据部"), ("UI设计师", "设计部"),
)  # fmt: skip
_COMMENTS = (
    "表达清晰，逻辑性强，对岗位理解到位。",
    "沟通顺畅，专业基础扎实，抗压能力有待观察。",
    "回答较为简单，缺少具体案例支撑。",
    "思路清楚，有相关项目经验，建议进入复试。",
    "表达一般，专业知识储备不足。",
    '整体表现良好，逻辑清楚。\n建议复试时重点考察"系统设计"能力, 以及团队协作。',
)
_STATUSES = {
    "强烈推荐": ("待用人部门评估", "已录用", "待复试"),
    "推荐": ("待用人部门评估", "待复试", "AI面试完成"),
    "待定": ("人才库", "AI面试完成"),
    "不推荐": ("未通过",),
}
_FIRST_DAY = dt.datetime(2024, 1, 2, 9, 0)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_ID_SPACE = 4000 * 1000  # birth day offsets × sequence numbers: unique IDs for up to 4M rows
_ID_STRIDE = 2654435761  # coprime with _ID_SPACE, so index -> (day, sequence) never repeats


def id_checksum(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of a resident ID number.

    Example:
        >>> id_checksum("11010519491231002")
        'X'
    """
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def fault_rows(count: int) -> dict[str, int]:
    """Fault name -> the spreadsheet row (header = row 1) it is planted on in a ``count``-row file.

    Raises:
        ValueError: fewer than 16 rows leave no room for every fault on its own row.
    """
    if count < 16:
        raise ValueError("planting faults needs at least 16 rows")
    return {name: (position + 1) * count // 8 + 2 for position, name in enumerate(FAULTS)}


def generate_rows(count: int, *, seed: int = EXAMPLE_SEED, faults: bool = True, typed: bool = False) -> Iterator[dict]:
    """``count`` export rows keyed by :data:`HEADERS`, streamed.

    Args:
        count: number of data rows.
        seed: the same seed gives the same rows.
        faults: plant the :data:`FAULTS` at :func:`fault_rows` positions.
        typed: values as a spreadsheet holds them (numbers, datetimes, Excel serials) instead of text.
    """
    rng = random.Random(seed)
    planted = {row - 2: name for name, row in fault_rows(count).items()} if faults else {}
    second_row: dict[str, Any] = {}
    for index in range(count):
        row = _person(rng, index, typed)
        if index == 1:
            second_row = row
        if index in planted:
            _plant(planted[index], row, second_row)
        yield row


def _person(rng: random.Random, index: int, typed: bool) -> dict[str, Any]:
    surname = rng.choice(tuple(_SURNAMES))
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    title, department = rng.choice(_JOBS)
    overall = rng.randint(55, 98)
    recommendation = "强烈推荐" if overall >= 90 else "推荐" if overall >= 80 else "待定" if overall >= 68 else "不推荐"
    return {
        "候选人编号": f"C2024{index + 1:05d}",
        "姓名": surname + given,
        "手机号": _phone(rng),
        "邮箱": _email(rng, _SURNAMES[surname], index),
        "身份证号": _resident_id(rng, index),
        "应聘岗位": title,
        "部门": department,
        "面试时间": _when(rng, index, typed),
        "总分": _typed_or_text(rng, overall, (f"{overall}", f"{overall}分"), typed),
        **{column: _stars(rng, typed) for column in ("沟通能力", "逻辑思维", "抗压能力", "专业知识")},
        "面试官评语": rng.choice(_COMMENTS),
        "推荐意见": recommendation,
        "状态": rng.choice(_STATUSES[recommendation]),
    }


def _phone(rng: random.Random) -> str:
    digits = rng.choice(("138", "139", "150")) + f"{rng.randrange(10**8):08d}"
    layout = rng.choice(("{a}{b}{c}", "{a}-{b}-{c}", "{a} {b} {c}", "(+86) {a}-{b}-{c}", "0086 {a}{b}{c}"))
    return layout.format(a=digits[:3], b=digits[3:7], c=digits[7:])


def _email(rng: random.Random, pinyin: str, index: int) -> str:
    address = f"{pinyin}{index + 1:04d}@example.com"
    return rng.choice((address, address, address.upper(), ""))


def _resident_id(rng: random.Random, index: int) -> str:
    slot = index * _ID_STRIDE % _ID_SPACE
    born = dt.date(1991, 1, 1) + dt.timedelta(days=slot // 1000)
    first17 = f"{rng.choice(_AREAS)}{born:%Y%m%d}{slot % 1000:03d}"
    return first17 + id_checksum(first17)


def _when(rng: random.Random, index: int, typed: bool) -> Any:
    day = _FIRST_DAY + dt.timedelta(days=index % 85, hours=rng.randint(0, 8), minutes=rng.choice((0, 30)))
    form = rng.randrange(5)  # drawn the same way for text and typed output: same people either way
    if typed and form == 3:
        return (day - _EXCEL_EPOCH) / dt.timedelta(days=1)  # a serial typed into a number cell
    if typed and form == 4:
        return day
    return (f"{day:%Y-%m-%d %H:%M}", f"{day.year}/{day.month}/{day.day} {day:%H:%M}",
            f"{day.year}年{day.month}月{day.day}日 {day:%H:%M}")[form % 3]  # fmt: skip


def _stars(rng: random.Random, typed: bool) -> Any:
    value = rng.randint(2, 10) / 2
    text = f"{value:g}"
    return _typed_or_text(rng, value if value % 1 else int(value), (text, text, f"{text}星"), typed)


def _typed_or_text(rng: random.Random, number: float, texts: tuple[str, ...], typed: bool) -> Any:
    """A number cell (70% of typed output) or one of the ways people type it; same draws either way."""
    as_number, text = rng.random() < 0.7, rng.choice(texts)
    return number if typed and as_number else text


def _plant(fault: str, row: dict[str, Any], second_row: dict[str, Any]) -> None:
    if fault == "bad_id_checksum":
        good = row["身份证号"]
        row["身份证号"] = good[:17] + ("0" if good[17] != "0" else "1")
    elif fault == "impossible_date":
        row["面试时间"] = "2024-02-30 10:00"
    elif fault == "score_out_of_range":
        row["总分"] = "120"
    elif fault == "invalid_phone":
        row["手机号"] = "1381234567"
    elif fault == "unknown_status":
        row["状态"] = "面试取消"
    elif fault == "missing_required":
        row["姓名"] = ""
    elif fault == "duplicate_person":
        row.update({column: second_row[column] for column in ("姓名", "手机号", "邮箱", "身份证号")})


def write_csv(path: Path, rows: Iterable[dict], *, encoding: str = "gbk") -> None:
    """Write ``rows`` as CSV (RFC 4180 quoting) in ``encoding`` (``gbk``, ``utf-8``, ``utf-8-sig``...)."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows([row[column] for column in HEADERS] for row in rows)


def write_xlsx(path: Path, rows: Iterable[dict]) -> None:
    """Write ``rows`` as a one-sheet workbook, streaming (openpyxl write-only mode)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("AI面试结果")
    sheet.append(HEADERS)
    for row in rows:
        cells = []
        for column in HEADERS:
            cell = WriteOnlyCell(sheet, value=row[column])
            if isinstance(row[column], dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            cells.append(cell)
        sheet.append(cells)
    book.save(path)


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    """Write ``rows`` as JSON Lines in UTF-8, one object per line."""
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_example(directory: Path) -> tuple[Path, Path]:
    """(Re)write the shipped example: the GBK CSV and the XLSX of the same people and faults."""
    directory.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = directory / f"{EXAMPLE_NAME}.csv", directory / f"{EXAMPLE_NAME}.xlsx"
    write_csv(csv_path, generate_rows(EXAMPLE_ROWS), encoding="gbk")
    write_xlsx(xlsx_path, generate_rows(EXAMPLE_ROWS, typed=True))
    return csv_path, xlsx_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, nargs="?", help="file to write")
    parser.add_argument("--rows", type=int, default=EXAMPLE_ROWS)
    parser.add_argument("--seed", type=int, default=EXAMPLE_SEED)
    parser.add_argument("--format", choices=("csv", "xlsx", "jsonl"), default="csv")
    parser.add_argument("--encoding", default="gbk", help="CSV only: gbk, gb18030, utf-8 or utf-8-sig")
    parser.add_argument("--no-faults", dest="faults", action="store_false")
    parser.add_argument("--example", type=Path, metavar="DIR", help="write the shipped example into DIR")
    args = parser.parse_args(argv)
    if args.example:
        for path in write_example(args.example):
            print(path)
        return 0
    if args.output is None:
        parser.error("give an output file or --example DIR")
    rows = generate_rows(args.rows, seed=args.seed, faults=args.faults, typed=args.format == "xlsx")
    if args.format == "csv":
        write_csv(args.output, rows, encoding=args.encoding)
    elif args.format == "xlsx":
        write_xlsx(args.output, rows)
    else:
        write_jsonl(args.output, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
