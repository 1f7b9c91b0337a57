"""Titles and pack sizes → category, total quantity and canonical unit (DESIGN.md § Normalisation)."""

import pandas as pd
import pytest

from pricewatch.normalize import classify, normalize_title, parse_quantity, resolve_quantities, unit_prices

# (title, expected quantity, expected unit); None = not readable → listing stays unnormalised
QUANTITY_CASES = [
    # Chinese: counts, containers, per-container structures
    ("医用外科口罩 50只/盒", 50, "piece"),
    ("一次性医用口罩 10只/袋×5袋", 50, "piece"),
    ("50只装（10只/袋×5袋）一次性口罩", 50, "piece"),
    ("KN95口罩 50只装 (10只/袋 x 5袋)", 50, "piece"),
    ("医用外科口罩 50只/盒 x 2盒", 100, "piece"),
    ("3盒装 每盒50只 一次性医用口罩", 150, "piece"),
    ("N95 1860 口罩 20只装", 20, "piece"),
    ("3M 9501+ KN95 口罩 50只", 50, "piece"),
    ("3M 9501 防护口罩 25只/盒", 25, "piece"),
    ("一次性口罩 三层 100片", 100, "piece"),
    ("儿童口罩 独立包装 30个", 30, "piece"),
    ("KF94 口罩 10枚", 10, "piece"),
    ("丁腈手套 100只/盒", 100, "piece"),
    ("乳胶手套 50双", 100, "piece"),
    ("医用防护服 1套", 1, "piece"),
    ("护目镜 防雾 2副", 2, "piece"),
    ("酒精棉片 100片/盒", 100, "piece"),
    ("75%酒精消毒湿巾 80片 3包", 240, "piece"),
    ("口罩 2盒", None, None),
    ("额温枪 红外测温", 1, "piece"),  # a thermometer with no count stated is one (convention default_single)
    ("一次性口罩 两盒装 每盒50只", 100, "piece"),
    ("口罩 十只装", 10, "piece"),
    # Chinese: volumes and weights
    ("75%酒精消毒液 500ml*2瓶", 1000, "ml"),
    ("75%酒精 500ml", 500, "ml"),
    ("84消毒液 5L", 5000, "ml"),
    ("5L桶装 84消毒液", 5000, "ml"),
    ("84消毒液 1L×3瓶", 3000, "ml"),
    ("免洗洗手液 500ml 2瓶", 1000, "ml"),
    ("洗手液 500毫升", 500, "ml"),
    ("医用酒精 2.5升", 2500, "ml"),
    ("次氯酸钠消毒液 500ml/瓶 x 4", 2000, "ml"),
    ("洗手液 500ml装", 500, "ml"),
    ("含氯消毒粉 1kg", 1000, "g"),
    ("消毒泡腾片 100g", 100, "g"),
    ("消毒粉 500克", 500, "g"),
    ("免洗凝胶 300ml x2", 600, "ml"),
    # English: counts and packs
    ("Disposable Face Masks 50 Count (Pack of 2)", 100, "piece"),
    ("Disposable Face Mask 3-Ply, 50 PCS", 50, "piece"),
    ("3-ply Disposable Mask, Pack of 3", 3, "piece"),
    ("5 Layers KN95 Mask 20 PCS", 20, "piece"),
    ("KN95 Face Mask 10 Pack", 10, "piece"),
    ("KN95 Masks, 5-Pack", 5, "piece"),
    ("Clorox Disinfecting Wipes 75 ct, 3 Pack", 225, "piece"),
    ("Lysol Disinfecting Wipes, 80 Count", 80, "piece"),
    ("Nitrile Exam Gloves, 100 pieces", 100, "piece"),
    ("Nitrile Gloves Box of 100", 100, "piece"),
    ("Surgical Masks x 50", 50, "piece"),
    ("Face masks 10 pcs x 5", 50, "piece"),
    ("N95 Respirator Mask 20/box", None, None),
    ("Size 17.5 x 9.5 cm masks 10 pcs", 10, "piece"),
    ("Safety Goggles 2 pairs", 2, "piece"),
    ("Nitrile Gloves 50 Pairs", 100, "piece"),
    ("Disposable Isolation Gown, Set of 10", 10, "piece"),
    # English: liquids
    ("Hand Sanitizer 16 fl oz", 473.176473, "ml"),
    ("Hand Sanitizer Gel 1 Gallon", 3785.411784, "ml"),
    ("Purell Hand Sanitizer 8 oz, Pack of 12", 2839.058838, "ml"),
    ("Isopropyl Alcohol 70% 32 fl. oz.", 946.352946, "ml"),
    ("Hand Sanitizer 2 x 500ml", 1000, "ml"),
    ("Hand Soap 12 fl oz (Pack of 3)", 1064.647064, "ml"),
    ("Bleach 1.5 L", 1500, "ml"),
    ("Hand sanitizer 2 Liters", 2000, "ml"),
    ("Alcohol 75% 1000 ml", 1000, "ml"),
    # other European languages seen on shops
    ("Masques chirurgicaux, lot de 20", 20, "piece"),
    ("Mondkapjes 50 stuks", 50, "piece"),
    ("Gants nitrile 100 unités", 100, "piece"),
    ("RINNIG Einweghandschuhe Nitril, 50 Stück", 50, "piece"),
    ("不織布マスク 50枚入", 50, "piece"),
]


@pytest.mark.parametrize(("title", "quantity", "unit"), QUANTITY_CASES)
def test_quantity_from_title(title, quantity, unit):
    result = normalize_title(title)
    if quantity is None:
        assert result["quantity"] is None and result["quantity_unit"] is None
    else:
        assert result["quantity"] == pytest.approx(quantity, rel=1e-6)
        assert result["quantity_unit"] == unit


PACK_SIZE_CASES = [
    ("50", None, 50, "piece"),
    ("50 pcs", None, 50, "piece"),
    ("1000 ml", "hand_sanitizer", 1000, "ml"),
    ("2.5 L", "disinfectant.alcohol", 2500, "ml"),
    ("16 fl oz", "hand_sanitizer", 473.176473, "ml"),
    ("500 g", "disinfectant.other", 500, "g"),
    ("8 oz", "hand_sanitizer", 236.5882365, "ml"),
    ("8 oz", "disinfectant.other", 236.5882365, "ml"),
    ("1 kg", None, 1000, "g"),
]


@pytest.mark.parametrize(("pack_size", "category", "quantity", "unit"), PACK_SIZE_CASES)
def test_quantity_from_pack_size_field(pack_size, category, quantity, unit):
    q = parse_quantity(pack_size, category)
    assert q is not None
    assert q.value == pytest.approx(quantity, rel=1e-6)
    assert q.unit == unit


def test_pack_size_field_wins_over_title():
    result = normalize_title("医用外科口罩 50只/盒", pack_size="100")
    assert result["quantity"] == 100


def test_unreadable_pack_size_falls_back_to_title():
    result = normalize_title("医用外科口罩 50只/盒", pack_size="one box")
    assert result["quantity"] == 50


@pytest.mark.parametrize("text", ["", None, "0", "口罩", "3M 9501", "KN95", "75%", "3-ply", "5 Layers", "三层"])
def test_numbers_without_units_are_never_quantities(text):
    assert parse_quantity(text) is None


CATEGORY_CASES = [
    ("医用外科口罩 50只/盒", "mask.surgical"),
    ("一次性医用口罩", "mask.surgical"),
    ("Disposable Face Masks 50 Count", "mask.surgical"),
    ("KN95 口罩", "mask.respirator"),
    ("3M 9501+ 防护口罩", "mask.respirator"),
    ("N95 Respirator", "mask.respirator"),
    ("FFP2 Maske", "mask.respirator"),
    ("KF94 Mask", "mask.respirator"),
    ("纯棉口罩 可水洗", "mask.cloth"),
    ("Reusable Cotton Face Mask", "mask.cloth"),
    ("75%酒精消毒液", "disinfectant.alcohol"),
    ("Isopropyl Alcohol 70%", "disinfectant.alcohol"),
    ("84消毒液", "disinfectant.chlorine"),
    ("Clorox Bleach", "disinfectant.chlorine"),
    ("酒精消毒湿巾", "disinfectant.wipes"),
    ("Lysol Disinfecting Wipes", "disinfectant.wipes"),
    ("过氧化氢消毒液", "disinfectant.other"),
    ("免洗洗手液 75%酒精", "hand_sanitizer"),
    ("Purell Hand Sanitizer", "hand_sanitizer"),
    ("滴露 抑菌洗手液", "hand_soap"),
    ("Softsoap Liquid Hand Soap", "hand_soap"),
    ("丁腈手套", "gloves"),
    ("Nitrile Exam Gloves", "gloves"),
    ("医用防护服", "protective_clothing"),
    ("Disposable Isolation Gown", "protective_clothing"),
    ("防雾护目镜", "goggles"),
    ("Safety Goggles", "goggles"),
    ("电子体温计", "thermometer"),
    ("Infrared Forehead Thermometer", "thermometer"),
    ("蓝牙耳机", "other"),
    ("Mondkapjes 50 stuks", "mask.surgical"),
    ("Nitril handschoenen", "gloves"),
    ("不織布マスク", "mask.surgical"),
]


@pytest.mark.parametrize(("title", "category"), CATEGORY_CASES)
def test_category_from_title(title, category):
    assert classify(title) == category


def test_unit_price_includes_shipping_and_leaves_unknown_quantities_empty():
    price = pd.Series([29.9, 10.0, 5.0])
    shipping = pd.Series([0.1, None, 2.0])
    quantity = pd.Series([50.0, None, 0.0])
    result = unit_prices(price, shipping, quantity)
    assert result.iloc[0] == pytest.approx(0.6)
    assert pd.isna(result.iloc[1]) and pd.isna(result.iloc[2])


def test_resolve_quantities_keeps_row_order_and_handles_repeats():
    titles = pd.Series(["84消毒液 5L", "医用外科口罩 50只/盒", "84消毒液 5L", None])
    out = resolve_quantities(titles)
    assert out["quantity"].tolist()[:3] == [5000.0, 50.0, 5000.0]
    assert out["quantity_unit"].tolist()[:3] == ["ml", "piece", "ml"]
    assert out["category"].tolist() == ["disinfectant.chlorine", "mask.surgical", "disinfectant.chlorine", "other"]
    assert pd.isna(out["quantity"].iloc[3])


def test_normalize_command_on_a_csv_keeps_row_order(run_cli, workdir):
    (workdir / "in.csv").write_text("id,title\n1,医用外科口罩 50只/盒\n2,Hand Sanitizer 16 fl oz\n3,口罩 2盒\n",
                                    encoding="utf-8")
    result = run_cli("normalize", "--input", "in.csv", "--output", "out.csv")
    assert result.exit_code == 0, result.output
    out = pd.read_csv(workdir / "out.csv")
    assert out["id"].tolist() == [1, 2, 3]
    assert out["category"].tolist() == ["mask.surgical", "hand_sanitizer", "mask.surgical"]
    assert out["quantity"].iloc[0] == 50 and out["quantity_unit"].iloc[0] == "piece"
    assert out["quantity"].iloc[1] == pytest.approx(473.176473)
    assert pd.isna(out["quantity"].iloc[2])


def test_normalize_command_prints_json_for_one_title(run_cli):
    import json

    result = run_cli("normalize", "KN95 口罩 10只/袋×5袋")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"title": "KN95 口罩 10只/袋×5袋", "category": "mask.respirator",
                                         "quantity": 50.0, "quantity_unit": "piece",
                                         "quantity_source": "title:per_container", "unnormalised_reason": None}
