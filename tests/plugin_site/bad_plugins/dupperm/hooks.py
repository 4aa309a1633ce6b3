from pamong.hooks import Permission, hookimpl


@hookimpl
def pamong_register_permissions():
    return [
        Permission("dupperm.read", "Read"),
        Permission("dupperm.read", "Read again"),
        Permission("core.residents.view", "Not mine"),
    ]
