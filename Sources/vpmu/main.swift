import VPMUCLI

#if canImport(Glibc)
    import Glibc
#endif

exit(VPMU.main(arguments: Array(CommandLine.arguments.dropFirst())))
