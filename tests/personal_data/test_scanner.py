"""The scanner itself: what is a hit (check characters, Luhn), how it is
masked, hits by column, in CSV, XLSX and JSON, streamed."""
from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from stdnum import luhn
from stdnum.cn import ric

from ckanext.govshare.personal_data import detectors, scan

ID_NUMBER = "11010519491231002X"            # a valid GB 11643 check character
ID_WRONG_CHECK = "110105194912310021"       # the same with a wrong one


def card(prefix: str = "622202020011223344") -> str:
    return prefix + luhn.calc_check_digit(prefix)


def kinds(cell: str) -> list[str]:
    return [kind for kind, _ in detectors.find(cell)]


class TestDetectors:
    def test_id_number_needs_its_check_character(self):
        assert ric.is_valid(ID_NUMBER) and not ric.is_valid(ID_WRONG_CHECK)
        assert kinds(f"身份证：{ID_NUMBER}") == ["id_number"]
        assert kinds(ID_NUMBER.lower()) == ["id_number"]
        assert kinds(ID_WRONG_CHECK) == []

    def test_random_18_digit_numbers_are_not_hits(self):
        import random
        rng = random.Random(12)
        numbers = [f"{rng.randrange(10**17, 10**18)}" for _ in range(2000)]
        wrong_check = [n for n in numbers
                       if ric.calc_check_digit(n) != n[17] and not luhn.is_valid(n)]
        assert len(wrong_check) > 1500
        assert [n for n in wrong_check if kinds(n)] == []
        # an ID number built with a real date and its check character is found
        # (python-stdnum's calc_check_digit reads the first 17 of 18 characters)
        first17 = "44030619900101123"
        assert kinds(first17 + ric.calc_check_digit(first17 + "0")) == ["id_number"]

    def test_mobile_numbers(self):
        assert kinds("13812345678") == ["mobile"]
        assert kinds("+86 138 1234 5678") == ["mobile"]
        assert kinds("电话 8613812345678") == ["mobile"]
        assert kinds("12812345678") == []          # no such prefix
        assert kinds("0571-87654321") == []        # a landline
        assert kinds("138123456789") == []         # 12 digits: part of something longer

    def test_a_mobile_number_glued_to_a_word_is_a_code(self):
        # the demo's special-equipment registration numbers (起17330100017(23))
        # have a mobile number's shape; a contact label before one does not
        assert kinds("起17330100017(23)") == []
        assert kinds("锅炉登记17330100017") == []
        assert kinds("联系电话13812345678") == ["mobile"]
        assert kinds("手机号13812345678") == ["mobile"]
        assert kinds("联系方式13812345678") == ["mobile"]
        assert kinds("张三，13812345678") == ["mobile"]
        assert kinds("张三 13812345678") == ["mobile"]
        # ID numbers and cards carry a check character: glued or not, found
        assert kinds("身份证" + ID_NUMBER) == ["id_number"]

    def test_bank_cards_by_luhn(self):
        good = card()
        bad = good[:-1] + str((int(good[-1]) + 1) % 10)
        assert kinds(good) == ["bank_card"]
        assert kinds(" ".join(good[i:i + 4] for i in range(0, len(good), 4))) == ["bank_card"]
        assert kinds(bad) == []
        assert kinds("2024-01-01") == [] and kinds("3.14159265358979") == []

    def test_credit_codes_are_not_bank_cards(self):
        from ckanext.govshare.catalog.logic.validators import uscc_check_char
        codes = [f"91330100{n:09d}" for n in range(300)]
        codes = [c + uscc_check_char(c) for c in codes]
        digit_codes = [c for c in codes if c.isdigit() and luhn.is_valid(c)]
        assert digit_codes  # some pass Luhn by chance
        assert [c for c in digit_codes if kinds(c)] == []

    def test_email(self):
        assert kinds("联系 zhang.san@example.com。") == ["email"]
        assert kinds("not an @ address") == []

    def test_masks(self):
        assert detectors.mask("id_number", ID_NUMBER) == "110***********002X"
        assert detectors.mask("mobile", "13812345678") == "138****5678"
        assert detectors.mask("email", "zhang.san@example.com") == "z***@example.com"
        masked = detectors.mask("bank_card", card())
        assert masked.startswith("6222") and masked.endswith(card()[-4:]) and "*" * 8 in masked
        # a masked value is not a hit again
        assert kinds("138****5678 110***********002X") == []


def csv_bytes() -> bytes:
    rows = ["编号,姓名,证件号码,电话,备注",
            f"1,张三,{ID_NUMBER},13812345678,",
            f"2,李四,{ID_WRONG_CHECK},0571-87654321,卡号 {card()}",
            "3,王五,,,邮箱 wangwu@example.com"]
    return "\n".join(rows).encode("utf-8-sig")


def expected_columns() -> dict:
    return {
        "证件号码": {"id_number": {"count": 1, "samples": ["110***********002X"]}},
        "电话": {"mobile": {"count": 1, "samples": ["138****5678"]}},
        "备注": {"bank_card": {"count": 1, "samples": [detectors.mask("bank_card", card())]},
               "email": {"count": 1, "samples": ["w***@example.com"]}},
    }


class TestFormats:
    def test_csv_by_column(self):
        report = scan.scan(io.BytesIO(csv_bytes()), "csv")
        assert report.columns == expected_columns()
        assert report.hits == 4 and report.cells == 5 + 15

    def test_csv_in_gb18030(self):
        report = scan.scan(io.BytesIO(csv_bytes().decode("utf-8-sig").encode("gb18030")), "CSV")
        assert report.columns == expected_columns()

    def test_xlsx_by_sheet_and_column(self):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "名单"
        for line in csv_bytes().decode("utf-8-sig").splitlines():
            sheet.append(line.split(","))
        sheet.append([4, "赵六", None, 13900001111, None])  # a number cell
        out = io.BytesIO()
        book.save(out)
        out.seek(0)
        report = scan.scan(out, "XLSX")
        columns = {c.split("!", 1)[1]: v for c, v in report.columns.items()}
        assert columns["证件号码"] == expected_columns()["证件号码"]
        assert columns["电话"]["mobile"]["count"] == 2
        assert all(c.startswith("名单!") for c in report.columns)

    def test_json_by_key_path(self):
        records = [{"name": "张三", "contact": {"mobile": "13812345678"}, "id": ID_NUMBER},
                   {"name": "李四", "contact": {"mobile": "无"}, "id": ID_WRONG_CHECK}]
        report = scan.scan(io.BytesIO(json.dumps({"records": records},
                                                 ensure_ascii=False).encode()), "JSON")
        assert report.columns == {
            "records.item.contact.mobile": {"mobile": {"count": 1, "samples": ["138****5678"]}},
            "records.item.id": {"id_number": {"count": 1, "samples": ["110***********002X"]}}}

    def test_csv_quoted_cells_over_several_lines_and_blocks(self, tmp_path):
        path, rows = csv_across_blocks(tmp_path)
        assert path.stat().st_size > 3 * scan.BLOCK  # several blocks, each ended at a line's end
        with open(path, "rb") as stream:
            report = scan.scan(stream, "CSV")
        assert report.columns == {"备注": {"mobile": {
            "count": 5, "samples": ["138****0001", "138****0002", "138****0003"]}}}
        assert report.cells == 2 + rows * 2

    def test_samples_are_few_and_distinct(self):
        rows = "电话\n" + "".join(f"1381234{i:04d}\n" for i in range(100))
        report = scan.scan(io.BytesIO(rows.encode()), "CSV")
        entry = report.columns["电话"]["mobile"]
        assert entry["count"] == 100 and len(entry["samples"]) == scan.SAMPLES

    def test_other_formats_are_not_scanned(self):
        assert not scan.scannable("PDF") and scan.scannable("geojson")
        with pytest.raises(KeyError):
            scan.scan(io.BytesIO(b""), "PDF")


def csv_across_blocks(tmp_path) -> tuple[Path, int]:
    """A CSV file of several MB (columns 编号, 备注) that the scanner reads in
    blocks of ``scan.BLOCK`` bytes, each extended to the end of its last line,
    with a mobile number in 备注 at each block boundary: on the first line of
    a block, in a quoted cell whose lines are in two blocks, on a line the
    boundary cuts through, on the line that starts at the boundary. Returns
    the file and its number of rows below the header."""
    out = bytearray("编号,备注\n".encode())
    rows = 0

    def add(text: str) -> int:
        nonlocal rows
        rows += 1
        start = len(out)
        out.extend(f"{rows},{text}\n".encode())
        return start

    def fill_to(position: int) -> None:  # rows with nothing to find, up to ``position``
        while position - len(out) > 200:
            add(f"第{rows}行，" + "备注文字" * 6)
        add("x" * (position - len(out) - len(f"{rows + 1},\n")))
        assert len(out) == position

    def line_end(position: int) -> int:  # where a block extended to its line's end stops
        return out.index(b"\n", position) + 1

    boundary = scan.BLOCK
    # the boundary within a quoted cell's first line: its next lines (the
    # number) open the next block, the cell goes on from one to the other
    fill_to(boundary - 5)
    add('"第一行\n电话 13800000001\n第三行"')
    first_line = line_end(boundary)
    assert out[first_line:].startswith("电话".encode())
    # through the number itself: the block is read on to the line's end
    boundary = first_line + scan.BLOCK
    fill_to(boundary - 16)
    number = out.index(b"13800000002", add("电话 13800000002"))
    assert number < boundary < number + 11
    # at a line's start: that line ends this block, the next opens the next
    boundary = line_end(boundary) + scan.BLOCK
    fill_to(boundary)
    add("电话 13800000003")
    assert line_end(boundary) == add("电话 13800000004")
    fill_to(line_end(boundary) + scan.BLOCK // 2)
    add("电话 13800000005")  # the last line, in the last block
    path = tmp_path / "across-blocks.csv"
    path.write_bytes(out)
    return path, rows
