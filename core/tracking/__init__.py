"""Receipt numbers and the public tracker: where is my file?"""
