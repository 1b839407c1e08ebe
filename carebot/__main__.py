from carebot.cli import main

main()
