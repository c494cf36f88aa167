BEGIN {
    Service = "/inet/tcp/0/www.example.com/80"
    print "GET / HTTP/1.0\r\n\r\n" |& Service
    while ((Service |& getline) > 0)
        print $0
    close(Service)
}
