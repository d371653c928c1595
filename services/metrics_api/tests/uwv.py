"""The UWV table of the Noordvleugel pact: new vacancies registered in 2012 (techniekpact-noordvleugel.txt)."""

UWV_2012 = {
    # region: (total, technical + industrial, ICT)
    "NL01": (341_490, 154_254, 12_364),
    "PV24": (8_740, 3_429, 542),
    "PV26": (25_295, 9_637, 1_630),
    "PV27": (46_989, 18_533, 1_816),
}
NOORDVLEUGEL = {"total": 81_024, "technical_industry": 31_599, "ict": 3_988, "technical_industry_ict": 35_587}


def uwv_observations(status: str = "final") -> list[dict]:
    rows = []
    for region, values in UWV_2012.items():
        for occupation, value in zip(("total", "technical_industry", "ict"), values, strict=True):
            rows.append({"measure": "vacancies_new", "region": region, "period": "2012", "occupation": occupation,
                         "value": value, "status": status})
    return rows


def uwv_csv(delimiter: str = ";", bom: bool = True, decimal_comma: bool = False) -> bytes:
    lines = [delimiter.join(["measure", "region", "period", "occupation", "value", "status"])]
    for row in uwv_observations():
        value = f"{row['value']},0" if decimal_comma else str(row["value"])
        if decimal_comma and delimiter == ",":
            value = f'"{value}"'
        lines.append(delimiter.join(["vacancies_new", row["region"], "2012JJ00", row["occupation"], value, "final"]))
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()
