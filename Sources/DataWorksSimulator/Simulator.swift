import DataWorksAPI
import HTTPServer
