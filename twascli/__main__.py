from twascli.cli import main

main()
