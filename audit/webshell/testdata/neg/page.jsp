<%@ page contentType="text/html; charset=UTF-8" %>
<html><body>
<p>Hello, <%= org.owasp.encoder.Encode.forHtml(request.getParameter("name")) %></p>
</body></html>
