"""Categories read in context: cosmetic senses, negations and accessories in eight languages.

The traps come from real listings: Spanish "mascarilla" is mostly a hair or face mask, "sin alcohol" mouthwash is
not alcohol disinfectant, baby wipes are not disinfecting wipes, a bracelet dispenser is not hand sanitiser.
"""

import pytest

from pricewatch.normalize import TAXONOMY, classify, explain_category

CASES = [
    # --- real supermarket titles (Cyprus, English) ---
    ("Garnier Skin Active Moisture Bomb Tissue Mask 1Τεμ", "other"),
    # --- Spanish ---
    ("Mascarilla capilar reparadora 300 ml", "other"),
    ("Mascarilla facial hidratante de arcilla", "other"),
    ("Mascarilla para pies exfoliante", "other"),
    ("Mascarilla de tela facial con ácido hialurónico", "other"),
    ("Mascarilla quirúrgica tipo IIR 50 unidades", "mask.surgical"),
    ("Mascarillas higiénicas desechables adulto", "mask.surgical"),
    ("Mascarilla FFP2 NR blanca", "mask.respirator"),
    ("Mascarilla KN95 protección 5 capas", "mask.respirator"),
    ("Mascarilla de tela reutilizable lavable", "mask.cloth"),
    ("Enjuague bucal sin alcohol 500 ml", "other"),
    ("Colutorio zero alcohol menta", "other"),
    ("Gel Hidroalcohólico 500 ml", "hand_sanitizer"),
    ("Gel de manos hidroalcohólico sin aclarado", "hand_sanitizer"),
    ("Lejía 2 L", "disinfectant.chlorine"),
    ("Desinfectante multiusos 750 ml", "disinfectant.other"),
    ("Desinfectante sin lejía superficies", "disinfectant.other"),
    ("Toallitas bebé 80 uds", "other"),
    ("Toallitas desinfectantes 72 unidades", "disinfectant.wipes"),
    ("Gel de ducha avena 750 ml", "other"),
    ("Alcohol etílico 96º 1 litro", "disinfectant.alcohol"),
    ("Jabón de manos líquido 500 ml", "hand_soap"),
    ("Guantes de nitrilo caja de 100", "gloves"),
    ("Guantes de horno silicona", "other"),
    ("Termómetro infrarrojo sin contacto", "thermometer"),
    ("Pantalla facial de protección", "goggles"),
    ("Cadena para mascarilla dorada", "other"),
    # --- French ---
    ("Masque visage hydratant à l'argile", "other"),
    ("Masque cheveux nourrissant 200 ml", "other"),
    ("Masque chirurgical type IIR boîte de 50", "mask.surgical"),
    ("Masque de protection FFP2", "mask.respirator"),
    ("Masque en tissu lavable 50 fois", "mask.cloth"),
    ("Bain de bouche sans alcool", "other"),
    ("Gel hydroalcoolique 500 ml", "hand_sanitizer"),
    ("Eau de Javel 2,6% 1,5 L", "disinfectant.chlorine"),
    ("Désinfectant surfaces sans javel", "disinfectant.other"),
    ("Lingettes bébé sensitive x 64", "other"),
    ("Lingettes désinfectantes x80", "disinfectant.wipes"),
    ("Gel douche à l'huile d'argan", "other"),
    ("Après-rasage sans alcool", "other"),
    ("Thermomètre de cuisine digital", "other"),
    ("Gants nitrile jetables boîte de 100", "gloves"),
    # --- German ---
    ("Gesichtsmaske mit Hyaluron Feuchtigkeit", "other"),
    ("Haarmaske Repair 200 ml", "other"),
    ("Tuchmaske Aloe Vera 5 Stück", "other"),
    ("Schlafmaske Seide", "other"),
    ("Mundschutz Einweg 50 Stück 3-lagig", "mask.surgical"),
    ("OP-Maske Typ IIR medizinisch", "mask.surgical"),
    ("FFP2 Maske CE zertifiziert", "mask.respirator"),
    ("Behelfsmaske aus Baumwolle waschbar", "mask.cloth"),
    ("Mundspülung alkoholfrei 500 ml", "other"),
    ("Händedesinfektion Gel 500 ml", "hand_sanitizer"),
    ("Handdesinfektionsgel 100 ml", "hand_sanitizer"),
    ("Chlorreiniger 1 L", "disinfectant.chlorine"),
    ("Desinfektionsreiniger Flächen 1 L", "disinfectant.other"),
    ("Feuchttücher sensitiv 80 Stück", "other"),
    ("Desinfektionstücher antibakteriell 60 Stück", "disinfectant.wipes"),
    ("Duschgel Sport 250 ml", "other"),
    ("Backofenhandschuhe Silikon", "other"),
    ("Gartenhandschuhe Größe 9", "other"),
    ("Arbeitshandschuhe Nitril beschichtet", "gloves"),
    ("Schwimmbrille Kinder", "other"),
    ("Maskenhalter für Mundschutz", "other"),
    ("Ersatzfilter PM2.5 für Stoffmaske 10 Stück", "other"),
    # --- Italian ---
    ("Maschera viso all'argilla", "other"),
    ("Maschera capelli idratante 500 ml", "other"),
    ("Mascherina chirurgica 50 pezzi", "mask.surgical"),
    ("Mascherine FFP2 certificate CE", "mask.respirator"),
    ("Collutorio senza alcool", "other"),
    ("Gel igienizzante mani 500 ml", "hand_sanitizer"),
    ("Candeggina classica 2 L", "disinfectant.chlorine"),
    ("Disinfettante superfici 1 L", "disinfectant.other"),
    ("Bagnoschiuma 750 ml", "other"),
    ("Guanti in lattice monouso 100 pezzi", "gloves"),
    ("Termometro digitale clinico", "thermometer"),
    # --- Portuguese ---
    ("Máscara capilar hidratante 300 g", "other"),
    ("Máscara facial hidratante", "other"),
    ("Máscara cirúrgica descartável tripla 50 unidades", "mask.surgical"),
    ("Máscara PFF2 N95", "mask.respirator"),
    ("Máscara de tecido lavável", "mask.cloth"),
    ("Enxaguante bucal sem álcool", "other"),
    ("不含酒精 爽肤水", "other"),
    ("Wipes for babies sensitive", "other"),
    ("Mascarilla desechable azul 50 uds", "mask.surgical"),
    ("Máscara para cílios", "other"),
    ("Maschera di carnevale", "other"),
    ("Masker voor gezicht", "other"),
    ("Maske schwarz waschbar", "mask.cloth"),
    ("Seifenspender Edelstahl", "other"),
    ("Sprühflasche leer 500 ml", "other"),
    ("Nachfüllbare Sprühflasche 100 ml", "other"),
    ("Desinfektionsmittel Nachfüllpack 5 L", "disinfectant.other"),
    ("Porte-masque enfant", "other"),
    ("Soporte para gel hidroalcohólico", "other"),
    ("Distributeur de gel hydroalcoolique automatique", "other"),
    ("Mascherina FFP2 con valvola", "mask.respirator"),
    ("KN95 Mask Chain", "other"),
    ("Álcool gel 70% 500 ml", "hand_sanitizer"),
    ("Gel antisséptico para mãos 500 ml", "hand_sanitizer"),
    ("Lixívia tradicional 2 L", "disinfectant.chlorine"),
    ("Desinfetante multiuso 1 L", "disinfectant.other"),
    ("Luvas de nitrilo 100 unidades", "gloves"),
    # --- Dutch ---
    ("Gezichtsmasker klei", "other"),
    ("Mondkapjes 50 stuks", "mask.surgical"),
    ("FFP2 mondmasker", "mask.respirator"),
    ("Mondwater zonder alcohol", "other"),
    ("Desinfecterende handgel 500 ml", "hand_sanitizer"),
    ("Bleekmiddel 1,5 liter", "disinfectant.chlorine"),
    ("Ontsmettingsmiddel oppervlakken", "disinfectant.other"),
    ("Douchegel 250 ml", "other"),
    ("Nitril handschoenen 100 stuks", "gloves"),
    ("Veiligheidsbril helder", "goggles"),
    # --- Chinese ---
    ("补水面膜 10片", "other"),
    ("蒸汽眼罩 12片", "other"),
    ("无酒精漱口水 500ml", "other"),
    ("免洗洗手液 500ml", "hand_sanitizer"),
    ("速干手消毒凝胶 500ml", "hand_sanitizer"),
    ("84消毒液 5L", "disinfectant.chlorine"),
    ("消毒液 家用 1L", "disinfectant.other"),
    ("婴儿湿巾 80抽", "other"),
    ("75%酒精消毒湿巾 80片", "disinfectant.wipes"),
    ("无酒精消毒湿巾 50片", "disinfectant.wipes"),
    ("口罩挂绳 防丢", "other"),
    ("自动感应皂液器", "other"),
    ("沐浴露 1L", "other"),
    ("医用酒精 75% 500ml", "disinfectant.alcohol"),
    # --- English ---
    ("Hydrating Sheet Mask 10 pack", "other"),
    ("Clay Mask Charcoal Detox", "other"),
    ("Hydrating Face Mask with Hyaluronic Acid", "other"),
    ("Hair Mask Deep Conditioning", "other"),
    ("Silk Sleep Mask", "other"),
    ("Volumizing Mascara Black", "other"),
    ("Disposable Face Mask 3-Ply 50 pcs", "mask.surgical"),
    ("Zero Alcohol Mouthwash 1 L", "other"),
    ("Alcohol Free Toner", "other"),
    ("After Shave Balm", "other"),
    ("Alcohol-Free Hand Sanitizer Foam", "hand_sanitizer"),
    ("Baby Wipes Unscented 72 ct", "other"),
    ("Make-up Remover Wipes", "other"),
    ("Dettol Antibacterial Wipes 40 Pieces", "disinfectant.wipes"),
    ("Oven Gloves Heat Resistant", "other"),
    ("Gardening Gloves Women", "other"),
    ("Swim Goggles Anti Fog", "other"),
    ("Meat Thermometer Instant Read", "other"),
    ("Hand Sanitizer Bracelet Silicone Refillable", "other"),
    ("Empty Spray Bottle 100 ml", "other"),
    ("Automatic Soap Dispenser Touchless", "other"),
    ("Replacement Pump for Hand Sanitizer Bottle", "other"),
    ("Mask Chain Lanyard Pearl", "other"),
    ("Mask Extender Ear Saver 10 pcs", "other"),
    ("KN95 Mask Storage Case", "other"),
    ("Face Mask Filter Inserts PM2.5 50 pcs", "other"),
    ("Hand Sanitizer Refill for Dispenser 1200 ml", "hand_sanitizer"),
    ("Purell Hand Sanitizer 8 oz Pump Bottle", "hand_sanitizer"),
    ("Sunscreen SPF 50 with alcohol", "other"),
    ("Deodorant Spray 150 ml", "other"),
    ("Perfume-free Hand Sanitizer Gel", "hand_sanitizer"),
    ("Isopropyl Alcohol 70% 1 L", "disinfectant.alcohol"),
    ("Alcohol-free Disinfectant Spray", "disinfectant.other"),
    ("Halloween Costume Mask", "other"),
    ("Masque FFP2 NR 20 pièces", "mask.respirator"),
    ("Wine Glass Set", "other"),
    ("Alcohol Free Beer 6 x 330 ml", "other"),
    ("Alcohol Prep Pads Sterile 200 pads", "disinfectant.wipes"),
    ("Amuchina Gel X-Germ mani 80 ml", "hand_sanitizer"),
    ("Desinfektionsmittel für Hände 500 ml", "hand_sanitizer"),
    ("Handwaschseife antibakteriell 250 ml", "hand_soap"),
    ("Igienizzante bucato 1,2 L", "disinfectant.other"),
    ("Handschuhfach Organizer Auto", "other"),
    ("Dressing Gown Fleece", "other"),
]


@pytest.mark.parametrize(("title", "category"), CASES, ids=[c[0][:50] for c in CASES])
def test_category_in_context(title, category):
    assert category in TAXONOMY
    assert classify(title) == category, explain_category(title)


def test_there_are_enough_cases_in_every_language():
    assert len(CASES) >= 80


def test_explanation_names_the_exclusion_that_kept_a_title_out_of_a_class():
    decision = explain_category("Enjuague bucal sin alcohol")
    assert decision.category == "other" and decision.rule == "cosmetic"
    decision = explain_category("Baby Wipes Unscented")
    assert decision.category == "other" and decision.rule is None
    assert ("wipes", "baby_or_cosmetic", "baby") in decision.vetoed
    decision = explain_category("Desinfectante sin alcohol")
    assert decision.category == "disinfectant.other"
    assert any(rule == "alcohol" and name == "alcohol_free" for rule, name, _ in decision.vetoed)


def test_negated_alcohol_does_not_hide_stated_alcohol():
    # "alcohol-free" covers only its own words: a title that also states alcohol elsewhere is still alcohol
    assert classify("Ethanol 70% — not alcohol-free") == "disinfectant.alcohol"


def test_accessory_rule_names_its_kind():
    assert explain_category("Hand Sanitizer Bracelet").rule == "accessory:wristband"
    assert explain_category("Maskenkette Perlen").rule == "accessory:mask_accessory"
