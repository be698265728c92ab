/dev/fd/3: line 51: -v: command not found
