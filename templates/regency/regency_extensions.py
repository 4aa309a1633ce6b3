"""Jinja filters for the regency template: every derived value comes from Pamong.

``pamong.scaffold.regency_context`` is the single source (``pamong
new-regency`` uses it too). An invalid input renders as an empty string
here; the pre-generation hook then stops with the clear message.
"""

from jinja2.ext import Extension


def region_fact(code, name):
    from pamong.scaffold import ScaffoldError, regency_context

    try:
        return regency_context(code).as_dict()[name]
    except ScaffoldError:
        return ""


def module_list(value):
    from pamong.scaffold import ScaffoldError, parse_modules

    try:
        return ",".join(parse_modules(value))
    except ScaffoldError:
        return ""


def logo_file(value):
    from pamong.scaffold import logo_file as name

    return name(value)


def text_color_on(value):
    from pamong.branding import text_color_on as pick
    from pamong.scaffold import ScaffoldError, check_color

    try:
        return pick(check_color("primary_color", value))
    except ScaffoldError:
        return ""


class RegencyExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        from pamong import scaffold

        environment.filters["region_fact"] = region_fact
        environment.filters["module_list"] = module_list
        environment.filters["logo_file"] = logo_file
        environment.filters["text_color_on"] = text_color_on
        environment.globals["pamong_version"] = scaffold.pamong_version()
        environment.globals["default_primary_color"] = scaffold.DEFAULT_PRIMARY_COLOR
        environment.globals["default_accent_color"] = scaffold.DEFAULT_ACCENT_COLOR
