from pamong.plugin import hookimpl


@hookimpl
def pamong_register_demo_data():
    return "seed everything"
