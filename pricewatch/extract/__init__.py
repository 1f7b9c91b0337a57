"""Page extraction: prices as written (``price``) and product pages (``page``)."""

from pricewatch.extract.page import Product, extract_product
from pricewatch.extract.price import ParsedPrice, parse_price

__all__ = ["ParsedPrice", "Product", "extract_product", "parse_price"]
