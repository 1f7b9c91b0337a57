from pricewatch.cli import main

main()
