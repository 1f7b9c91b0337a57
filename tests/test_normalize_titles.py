"""Real-looking titles → total quantity, unit, and where the quantity came from (or why there is none).

Each case imitates a title shape seen on a real shop: Amazon ("… 50 Count (Pack of 2)"), Rakuten.de slugs with the
hyphens turned to spaces ("10 stueck kn95 masken ffp2 4 lagig atemschutzmaske"), AliExpress option lists
("50/100/200pcs KN95 …"), Tmall/JD ("50只装（10只/袋×5袋）"), European supermarkets ("Gel Hidroalcohólico 500 ml",
"Lejía 2 L"), Japanese drugstores ("50枚入"). The fourth field, when given, is the expected ``quantity_source``
(``title:<rule>``, ``default_single``) or, for no quantity, the ``unnormalised_reason``.
"""

import pandas as pd
import pytest

from pricewatch.normalize import (
    REASONS,
    QuantityReading,
    classify,
    normalize_title,
    parse_quantity,
    read_quantity,
    resolve_quantities,
)

NQ, AMB, IMP = "no_quantity", "ambiguous_options", "implausible_quantity"

CASES = [
    # --- counts: N x, x N, N er, Stück, Stk ---
    ("annew 5x ffp2 atemschutzmaske maske kn95 atemschutz mundschutz 5 pcs gesichtsmasken", 5, "piece", None),
    ("10 stueck kn95 masken ffp2 4 lagig atemschutzmaske schutzmaske anti virus weiss", 10, "piece", "title:count"),
    ("20 stueck ffp2 gesichtsmaske 4 schichten kn95 masken 95 filtration einweg", 20, "piece", "title:count"),
    ("fixme fix 10 stuecke mundschutz atemschutz masken staubmaske kn95", 10, "piece", "title:count"),
    ("10x kn95 ffp2 atemschutzmaske schutzmaske mundschutz atemschutz maske", 10, "piece", "title:multiplier"),
    ("acme 20x ffp2 kn 95 atem schutzmaske mundschutz feinstaubmaske", 20, "piece", "title:multiplier"),
    ("3m 10x genuine 3m 9502v kn95 ffp2 partikel atemschutzgeraet mit ventil", 10, "piece", "title:multiplier"),
    ("handel 1x ffp 2 mundschutz ohne ventil kn95 atemschutzmaske", 1, "piece", "title:multiplier"),
    ("handel 20 x ffp 2 ohne ventil kn95 en 1492001 a1 2009 feinstaubmasken", 20, "piece", "title:multiplier"),
    ("5 x mundschutz maske grau ffp 2 kn95 atemschutz gesichtsmaske mit ventil", 5, "piece", "title:multiplier"),
    ("atemschutzmaske ffp2 mundschutz schutzmaske kn95 98 filterleistung 10er set", 10, "piece", "title:pack_of"),
    ("kn95 maske atemschutzmaske schutzmaske bakterien ffp2 10er pack", 10, "piece", "title:pack_of"),
    ("foxy 2er ffp2 atemschutzmaske mundschutz maske 4 lagig kn95 98 filterung", 2, "piece", "title:pack_of"),
    ("foxy 10er x ffp2 atemschutzmaske mundschutz maske 4 lagig", 10, "piece", "title:pack_of"),
    ("FFP2 Masken 10er-Set CE zertifiziert", 10, "piece", "title:pack_of"),
    ("3m 9502 kn95 partikelmaske gesichtsmaske 50 stueck", 50, "piece", "title:count"),
    ("9 stueck atemschutzmaske ffp2 maske kn95 waschbare sommer", 9, "piece", "title:count"),
    ("kn95 atemmaske e ffp2 masken mit verstellbarem nasenclip 10 gasmaske kn95 masken", 10, "piece", "title:count"),
    ("kn95 ffp2 pm25 atemschutz gesichtsmaske mundschutz anti staub wiederverwendbar 2 stueck", 2, "piece", "title:count"),
    ("puluz atemschutzmaske 100x kn95 schutzmaske mit atemventilfilter 98 filtration", 100, "piece", None),
    ("FFP2 Maske 20 Stück einzeln verpackt", 20, "piece", "title:count"),
    ("FFP2 Masken, 50 Stk., CE 2163", 50, "piece", "title:count"),
    ("Medizinische OP-Masken Typ IIR 50 St. Box", 50, "piece", "title:count"),
    ("20 FFP2 Masken CE0370 5-lagig", 20, "piece", "title:count"),
    ("Einweghandschuhe Nitril schwarz Gr. L 100 Stück", 100, "piece", "title:count"),
    ("Nitrilhandschuhe puderfrei 50 Paar", 100, "piece", "title:count"),
    ("Desinfektionstücher 60 Tücher", 60, "piece", "title:count"),
    # --- counts: Amazon / English ---
    ("Disposable Face Masks 50 Count (Pack of 2)", 100, "piece", "title:count_x_multiplier"),
    ("KN95 Face Mask 20 Pack, 5-Layer Breathable", 20, "piece", "title:pack_of"),
    ("Surgical Face Masks Type IIR (Pack 20)", 20, "piece", "title:pack_of"),
    ("Dettol Antibacterial Surface Wipes (Tub 200)", 200, "piece", "title:pack_of"),
    ("Nitrile Exam Gloves Box of 200, Powder Free", 200, "piece", "title:pack_of"),
    ("Vinyl Gloves, 100 pcs, Box of 100", 100, "piece", "title:count"),
    ("Dettol Antibacterial Wipes 40 Pieces", 40, "piece", "title:count"),
    # real supermarket titles (Cyprus): a volume is not options run together; Greek τεμ. counts pieces
    ("Fairy Original Washing Up Liquid 820ml", 820, "ml", "title:measure"),
    ("Dettol Wipes 40Τεμ.", 40, "piece", "title:count"),
    ("Clorox Disinfecting Wipes Value Pack, 75 Count Each, Pack of 3 (225 Total Wipes)", 225, "piece",
     "title:stated_total"),
    ("Lysol Disinfecting Wipes Bundle, 80 Count (Pack of 4)", 320, "piece", "title:count_x_multiplier"),
    ("Sani-Cloth Germicidal Wipes, Pack of 2, Total 200 Sachets", 200, "piece", "title:stated_total"),
    ("Alcohol Prep Pads, 4 boxes of 100, total 400 pads", 400, "piece", "title:stated_total"),
    ("3 Ply Disposable Face Mask x 50", 50, "piece", "title:multiplier"),
    ("x10 KN95 masks individually wrapped", 10, "piece", "title:multiplier"),
    ("Powecom KN95 Mask, 10 PCS", 10, "piece", "title:count"),
    ("N95 Particulate Respirator 8210, 20/Box", None, None, NQ),
    ("Safety Goggles Anti Fog, 3 Pairs", 3, "piece", "title:count"),
    ("Nitrile Gloves Large 50 Pairs", 100, "piece", "title:count"),
    ("Disposable Isolation Gowns, Pack of 10", 10, "piece", "title:pack_of"),
    ("Face Shield Reusable Anti-Fog 4 pack", 4, "piece", "title:pack_of"),
    ("Kids Face Masks Disposable 100 pcs 3-Layer", 100, "piece", "title:count"),
    ("Medical Masks 1,000 pcs carton", 1000, "piece", "title:count"),
    ("Nitrile Gloves Case 2,000 Count (10 boxes of 200)", 2000, "piece", "title:stated_total"),
    ("Nitrile Gloves (10 boxes of 100)", 1000, "piece", "title:per_container"),
    ("KN95 Masks 25 Pack (5 per bag x 5 bags)", 25, "piece", None),
    # --- same multiplier stated twice counts once ---
    ("Purell Advanced Hand Sanitizer Gel 500ml x 4 (Pack of 4)", 2000, "ml", "title:measure_x_multiplier"),
    ("(3 PACK) Germ-X Hand Sanitizer Original 750ml | 3 PACK", 2250, "ml", "title:measure_x_multiplier"),
    ("Hand Sanitizer 2 x 500ml (2 Pack)", 1000, "ml", "title:measure_x_multiplier"),
    ("医用外科口罩 50只/盒 x 2盒 2盒装", 100, "piece", "title:per_container"),
    # --- liquids, English ---
    ("Germ-X Hand Sanitizer, 8 Fl Oz, Pack of 12", 2839.058838, "ml", "title:measure_x_multiplier"),
    ("Purell Hand Sanitizer Refill 1 Gallon", 3785.411784, "ml", "title:measure"),
    ("Isopropyl Alcohol 99% 16 oz", 473.176473, "ml", "title:measure"),
    ("Hand Sanitizer 5 Litre Refill Canister", 5000, "ml", "title:measure"),
    ("Hand Sanitiser Gel 70% Alcohol 5L x 4", 20000, "ml", "title:measure_x_multiplier"),
    ("Bleach Thick 750 ml", 750, "ml", "title:measure"),
    ("Softsoap Liquid Hand Soap Pump, 11.25 fl oz, 6 Pack", 1996.213245, "ml", "title:measure_x_multiplier"),
    ("Purell Hand Sanitizer 8 oz Pump Bottle", 236.5882365, "ml", "title:measure"),
    ("Hand Sanitizer 1.5 oz travel size, 24 pack", 1064.647064, "ml", "title:measure_x_multiplier"),
    # --- Chinese ---
    ("50只装（10只/袋×5袋）一次性医用口罩", 50, "piece", "title:stated_total"),
    ("一次性口罩 10只/袋×5袋", 50, "piece", "title:per_container"),
    ("KN95口罩 3件装 独立包装", 3, "piece", "title:pack_of"),
    ("医用外科口罩 10只/包 ×3件", 30, "piece", "title:per_container"),
    ("儿童口罩 50只 2件套", 100, "piece", "title:count_x_multiplier"),
    ("免洗洗手液 500ml×3件", 1500, "ml", "title:measure_x_multiplier"),
    ("84消毒液 500ml*2瓶", 1000, "ml", "title:measure_x_multiplier"),
    ("84消毒液 家用 5L 大桶", 5000, "ml", "title:measure"),
    ("75%酒精消毒液 医用 500毫升 2瓶装", 1000, "ml", "title:measure_x_multiplier"),
    ("酒精湿巾 80片 共3包", 240, "piece", None),
    ("一次性医用口罩 共100片 独立包装", 100, "piece", "title:stated_total"),
    ("丁腈手套 100只/盒 共2盒", 200, "piece", None),
    ("乳胶手套 一次性 50双", 100, "piece", "title:count"),
    ("3M 9501+ KN95 口罩 耳戴式 25只", 25, "piece", "title:count"),
    ("3M 1860 医用防护口罩 20只/盒", 20, "piece", "title:per_container"),
    ("一次性口罩 三层 熔喷布 100片", 100, "piece", "title:count"),
    ("口罩 两盒装", None, None, NQ),
    ("医用防护服 连体 1套", 1, "piece", "title:count"),
    ("额温枪 红外体温计 家用", 1, "piece", "default_single"),
    ("防雾护目镜 全封闭", 1, "piece", "default_single"),
    ("防护面罩 面屏 10个", 10, "piece", "title:count"),
    ("医用口罩 50/100/200只", None, None, AMB),
    ("台湾 医用口罩 50入", 50, "piece", "title:pack_of"),
    # --- Japanese ---
    ("不織布マスク 50枚入 ふつうサイズ", 50, "piece", "title:count"),
    ("KN95 マスク 個包装 20枚", 20, "piece", "title:count"),
    ("マスク 30枚入 3入", 90, "piece", "title:count_x_multiplier"),
    # --- French ---
    ("Masques chirurgicaux type IIR, lot de 50", 50, "piece", "title:pack_of"),
    ("Gel hydroalcoolique 500 ml", 500, "ml", "title:measure"),
    ("Gel hydroalcoolique 100 ml lot de 3", 300, "ml", "title:measure_x_multiplier"),
    ("Eau de Javel 2,6% 1,5 L", 1500, "ml", "title:measure"),
    ("Gants nitrile boîte de 100", 100, "piece", "title:pack_of"),
    ("Lingettes désinfectantes x80", 80, "piece", "title:multiplier"),
    ("Masque FFP2 - 20 pièces", 20, "piece", "title:count"),
    ("Solution hydroalcoolique 5 L bidon", 5000, "ml", "title:measure"),
    # --- Spanish ---
    ("Gel Hidroalcohólico 500 ml", 500, "ml", "title:measure"),
    ("Gel hidroalcohólico 80 ml pack de 6", 480, "ml", "title:measure_x_multiplier"),
    ("Lejía 2 L", 2000, "ml", "title:measure"),
    ("Lejía con detergente 4 litros", 4000, "ml", "title:measure"),
    ("Mascarillas quirúrgicas tipo IIR 50 unidades", 50, "piece", "title:count"),
    ("Mascarilla FFP2 paquete de 10", 10, "piece", "title:pack_of"),
    ("Guantes de nitrilo caja de 100 uds", 100, "piece", "title:pack_of"),
    ("Toallitas desinfectantes 72 unidades", 72, "piece", "title:count"),
    ("Alcohol 96º 1 litro", 1000, "ml", "title:measure"),
    # --- Dutch ---
    ("Mondkapjes 50 stuks", 50, "piece", "title:count"),
    ("FFP2 mondmaskers 10 stuks", 10, "piece", "title:count"),
    ("Desinfecterende handgel 500 ml", 500, "ml", "title:measure"),
    ("Nitril handschoenen 100 stuks", 100, "piece", "title:count"),
    ("Bleekmiddel 1,5 liter", 1500, "ml", "title:measure"),
    # --- Italian / Portuguese (quantities) ---
    ("Mascherine chirurgiche 50 pezzi", 50, "piece", "title:count"),
    ("Gel igienizzante mani 500 ml", 500, "ml", "title:measure"),
    ("Máscaras cirúrgicas descartáveis 50 unidades", 50, "piece", "title:count"),
    ("Álcool gel 70% 1 litro", 1000, "ml", "title:measure"),
    # --- option lists are not quantities ---
    ("50/100/200pcs KN95 Face Mask 5 Layers Filter", None, None, AMB),
    ("5/10/20/30pcs FFP2 Mask KN95 Reusable", None, None, AMB),
    ("10/20pcs KN95 Mask Dustproof", None, None, AMB),
    ("superlun 5102030pcs kn95 erwachsene vertikale faltbare staubmaske pm 25 mask antivirus", None, None, AMB),
    ("1020pcs kn95 mundmaske anti staub mundschutz atemschutzmaske lot ffp2", None, None, AMB),
    ("10 | 20 | 50 Stück FFP2 Masken", None, None, AMB),
    ("Hand sanitizer 50/100/500 ml", None, None, AMB),
    # --- plausibility ---
    ("Surgical Masks 100000 pcs", None, None, IMP),
    ("Hand Sanitizer 50 L drum", None, None, IMP),
    ("Gel Hidroalcohólico 1000 L", None, None, IMP),
    ("Hand Sanitizer Spray 10 ml", None, None, IMP),
    ("Nitrile Gloves 2,000 pcs Case", 2000, "piece", "title:count"),
    ("Hand Sanitizer 5 L refill", 5000, "ml", "title:measure"),
    ("Hand Sanitizer 20 Litre Jerry Can", 20000, "ml", "title:measure"),
    ("KN95 Masks 3000 pcs Carton", 3000, "piece", "title:count"),
    ("Infrared Thermometer 1000 pcs", None, None, IMP),
    # --- single-unit goods: one piece unless a count is stated ---
    ("Infrared Forehead Thermometer Non-Contact", 1, "piece", "default_single"),
    ("Digitales Fieberthermometer", 1, "piece", "default_single"),
    ("Thermomètre frontal infrarouge", 1, "piece", "default_single"),
    ("Safety Goggles Anti-Fog Clear", 1, "piece", "default_single"),
    ("Face Shield Full Face Transparent", 1, "piece", "default_single"),
    ("Disposable Protective Coverall Suit, Size XL", 1, "piece", "default_single"),
    ("Schutzanzug Einweg Overall Kategorie III", 1, "piece", "default_single"),
    ("Infrared Thermometer, 2 pcs", 2, "piece", "title:count"),
    # --- German singular: one mask ---
    ("meb shop kn95 ffp2 staubmaske gesichtsmaske mundbedeckung mundschutzmaske schutzmaske", 1, "piece",
     "title:singular_noun"),
    ("mundschutz maske grau ffp 2 kn95 atemschutz gesichtsmaske mit ventil wiederverwendbar", 1, "piece",
     "title:singular_noun"),
    ("atemschutzmasken ffp2 kn95 anti virus pm25 schutzmaske mit filter staubmasken", None, None, NQ),
    ("ffp2 atemschutzmaske einzeln verpackt mundschutz maske", None, None, NQ),
    ("KN95 Face Mask 5-Layer", None, None, NQ),
    # --- model numbers, class numbers, percentages, ply counts are never multiplied in ---
    ("shimeidai masken kn 95 atemmaske mit verstellbarem nasenclip schutzmaske 95 filterleistung", None, None, NQ),
    ("KN 95 masks breathable", None, None, NQ),
    ("FFP 3 masks with valve", None, None, NQ),
    ("superlun staubmasken pm 25 mask", None, None, NQ),
    ("3M 9502+ KN95 Particulate Respirator", None, None, NQ),
    ("3M 1860 N95 Mask", None, None, NQ),
    ("Medizinische Maske Typ 2 R, 50 Stück", 50, "piece", "title:count"),
    ("75% Alcohol Disinfectant Spray 100ml", 100, "ml", "title:measure"),
    ("5 Layers KN95 Masks 30 pcs", 30, "piece", "title:count"),
    ("4 lagig ffp2 masken 25 stueck", 25, "piece", "title:count"),
    ("KN95 mask 17.5 x 9.5 cm 10 pcs", 10, "piece", "title:count"),
    ("Hand sanitizer 2,5 L", 2500, "ml", "title:measure"),
    # --- parts that restate a count; N x M; a count of bottles beside a volume ---
    ("Nitrile Gloves 1000 pcs (10 x 100)", 1000, "piece", "title:count"),
    ("50 Stück (5 x 10er Beutel) FFP2", 50, "piece", "title:count"),
    ("Desinfektionstücher 3 x 80 Stück", 240, "piece", "title:per_container"),
    ("Dettol wipes 4 x 40", 160, "piece", "title:multiplier"),
    ("Alcohol 70 % 250 ml 6 Stück", 1500, "ml", "title:measure_x_multiplier"),
    ("Hand sanitizer 500 ml 1 Stück", 500, "ml", "title:measure"),
    ("Medizinische Masken 1 Box (50 Stück)", 50, "piece", "title:count"),
    ("Lysol Wipes 80 ct, Pack of 2 (160 wipes total)", 160, "piece", "title:stated_total"),
    ("口罩 100只（50只/盒*2盒）", 100, "piece", "title:stated_total"),
    ("洗手液 300ml*3瓶 共900ml", 900, "ml", "title:stated_total"),
    ("医用外科口罩 10片/包 共5包", 50, "piece", "title:per_container"),
    ("5 cajas de 50 mascarillas quirúrgicas", 250, "piece", "title:per_container"),
    ("Hand sanitizer 500 ml, 1/2/3 bottles", None, None, AMB),
    ("KF94 마스크 100매", 100, "piece", "title:count"),
    ("Masque FFP2 NR 20 pièces", 20, "piece", "title:count"),
    ("KN95 (GB2626-2006) 20 pcs", 20, "piece", "title:count"),
    # --- containers are not contents ---
    ("Silicone Hand Sanitizer Bracelet 10 ml Refillable Wristband", None, None, NQ),
    ("Hand Sanitizer Bracelet Dispenser 15 ml, 3 pcs", 3, "piece", "title:count"),
    ("Empty Spray Bottles 100 ml, 2 Pack", 2, "piece", "title:pack_of"),
    ("Desinfektionsmittelspender 1000 ml Wandspender", None, None, NQ),
    ("Sterillium Händedesinfektionsmittel 1000 ml für Spender", 1000, "ml", "title:measure"),
]


def _title_ids(cases):
    return [c[0][:60] for c in cases]


@pytest.mark.parametrize(("title", "quantity", "unit", "source"), CASES, ids=_title_ids(CASES))
def test_title_reads_total_quantity_and_its_source(title, quantity, unit, source):
    result = normalize_title(title)
    if quantity is None:
        assert result["quantity"] is None and result["quantity_unit"] is None, result
        assert result["quantity_source"] is None
        assert result["unnormalised_reason"] == (source or "no_quantity"), result
    else:
        assert result["quantity"] == pytest.approx(quantity, rel=1e-6), result
        assert result["quantity_unit"] == unit, result
        assert result["unnormalised_reason"] is None
        if source is not None:
            assert result["quantity_source"] == source, result
        else:
            assert result["quantity_source"].startswith("title:"), result


def test_there_are_enough_cases():
    assert len(CASES) >= 150


def test_reading_names_the_rule_and_no_reason_when_found():
    reading = read_quantity("Sani-Cloth Wipes, Pack of 2, Total 200 Sachets", "disinfectant.wipes")
    assert isinstance(reading, QuantityReading)
    assert reading.quantity is not None and reading.quantity.value == 200
    assert (reading.rule, reading.reason) == ("stated_total", None)


def test_reading_gives_a_reason_when_nothing_found():
    for text, reason in [("KN95 Mask", "no_quantity"), ("5/10/20/30pcs KN95", "ambiguous_options"),
                         ("Masks 100000 pcs", "implausible_quantity"), ("", "no_quantity"), (None, "no_quantity")]:
        reading = read_quantity(text, "mask.respirator")
        assert reading.quantity is None and reading.reason == reason and reading.reason in REASONS


def test_reading_is_frozen():
    reading = read_quantity("50 pcs", "mask.surgical")
    with pytest.raises(AttributeError):
        reading.rule = "other"  # type: ignore[misc]


def test_parse_quantity_states_only_what_the_text_says():
    # the default_single convention is read_quantity's; parse_quantity returns what the text states
    assert parse_quantity("Infrared Thermometer", "thermometer") is None
    assert read_quantity("Infrared Thermometer", "thermometer").rule == "default_single"
    assert parse_quantity("Surgical Masks 100000 pcs", "mask.surgical") is None
    assert parse_quantity("5102030pcs kn95") is None


def test_plausibility_depends_on_the_category():
    # 30,000 pieces is no retail mask pack, but 30 L is a real canister of chlorine disinfectant
    assert read_quantity("30000 pcs", "mask.surgical").reason == "implausible_quantity"
    assert read_quantity("30 L", "disinfectant.chlorine").quantity.value == 30000
    assert read_quantity("50 L", "disinfectant.chlorine").reason == "implausible_quantity"
    assert read_quantity("10 ml", "hand_sanitizer").reason == "implausible_quantity"
    assert read_quantity("2.5 pcs", "gloves").reason == "implausible_quantity"


def test_bracelet_capacity_is_never_sanitiser_even_when_the_feed_says_hand_sanitizer():
    result = normalize_title("Hand Sanitizer Bracelet 10 ml", category="hand_sanitizer")
    assert result["quantity"] is None and result["unnormalised_reason"] == "no_quantity"
    assert classify("Hand Sanitizer Bracelet 10 ml") == "other"


def test_pack_size_field_is_the_source_when_readable():
    result = normalize_title("FFP2 Masken 10er-Set", pack_size="20")
    assert (result["quantity"], result["quantity_source"]) == (20, "pack_size")
    result = normalize_title("FFP2 Masken 10er-Set", pack_size="a box")
    assert (result["quantity"], result["quantity_source"]) == (10, "title:pack_of")


def test_implausible_pack_size_is_refused_not_replaced_by_the_title():
    result = normalize_title("FFP2 Masken 10er-Set", pack_size="100000")
    assert result["quantity"] is None and result["unnormalised_reason"] == "implausible_quantity"


def test_single_unit_default_does_not_override_a_pack_size():
    result = normalize_title("Infrared Thermometer", pack_size="3")
    assert (result["quantity"], result["quantity_source"]) == (3, "pack_size")


def test_resolve_quantities_has_source_and_reason_columns():
    titles = pd.Series(["FFP2 Masken 10er-Set", "5/10/20pcs KN95", "FFP2 Masken 10er-Set", None,
                        "Infrared Thermometer"], index=[10, 11, 12, 13, 14])
    out = resolve_quantities(titles)
    assert list(out.columns) == ["category", "quantity", "quantity_unit", "quantity_source", "unnormalised_reason"]
    assert out.index.tolist() == [10, 11, 12, 13, 14]
    assert out["quantity_source"].tolist() == ["title:pack_of", None, "title:pack_of", None, "default_single"]
    assert out["unnormalised_reason"].tolist() == [None, "ambiguous_options", None, "no_quantity", None]
    assert out["quantity_source"].dtype == object and out["unnormalised_reason"].dtype == object
    assert out["quantity"].dtype == "float64"


def test_normalize_csv_adds_exactly_three_columns_unless_explained(run_cli, workdir):
    (workdir / "in.csv").write_text("id,title\n1,FFP2 Masken 10er-Set\n2,5/10/20pcs KN95\n", encoding="utf-8")
    result = run_cli("normalize", "--input", "in.csv", "--output", "out.csv")
    assert result.exit_code == 0, result.output
    out = pd.read_csv(workdir / "out.csv")
    assert list(out.columns) == ["id", "title", "category", "quantity", "quantity_unit"]
    result = run_cli("normalize", "--input", "in.csv", "--output", "explained.csv", "--explain")
    assert result.exit_code == 0, result.output
    out = pd.read_csv(workdir / "explained.csv", keep_default_na=False)
    assert list(out.columns) == ["id", "title", "category", "quantity", "quantity_unit", "quantity_source",
                                 "unnormalised_reason"]
    assert out["quantity_source"].tolist() == ["title:pack_of", ""]
    assert out["unnormalised_reason"].tolist() == ["", "ambiguous_options"]
    assert "ambiguous_options" in result.output


def test_normalize_one_title_prints_all_five_keys(run_cli):
    import json

    result = run_cli("normalize", "Pack of 2, Total 200 Sachets alcohol wipes")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload == {"title": "Pack of 2, Total 200 Sachets alcohol wipes", "category": "disinfectant.wipes",
                       "quantity": 200.0, "quantity_unit": "piece", "quantity_source": "title:stated_total",
                       "unnormalised_reason": None}
