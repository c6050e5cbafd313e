from itsmctl.cli import main

raise SystemExit(main())
