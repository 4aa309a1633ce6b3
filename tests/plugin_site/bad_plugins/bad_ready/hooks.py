from pamong.plugin import hookimpl


@hookimpl
def pamong_on_app_ready(app):
    raise RuntimeError("cannot reach the national registry")
