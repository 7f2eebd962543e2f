from storyloom.cli import run

run()
