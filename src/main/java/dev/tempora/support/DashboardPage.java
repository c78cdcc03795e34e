package dev.tempora.support;

import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The dashboard at {@code /}, for a client that takes HTML (a browser, {@code curl}); one that
 * takes none gets a {@code 406} problem, as from every other path. Spring Boot's welcome page, which
 * served it before, answered that client with a bare {@code 406} and no body at all.
 */
@Controller
class DashboardPage {

    @GetMapping(path = "/", produces = MediaType.TEXT_HTML_VALUE)
    String page() {
        return "forward:/index.html";
    }
}
